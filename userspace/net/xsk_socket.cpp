#include "net/xsk_socket.hpp"

#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/xsk.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/common/unique_fd.hpp"

namespace bootgate::net {

namespace {
// Ring sizes (powers of two). Receive frames are recycled at once; transmit frames stay in flight
// until the kernel frees the copy it sent, which over veth means until the client has read it.
constexpr std::uint32_t kRxFrames = 1024;
constexpr int kSndBuf = 64 << 20;  // copy mode charges every frame in flight to the socket
}  // namespace

struct XskSocket::Rings {
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
};

XskSocket::XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t tx_frames)
    : queue_(queue), tx_frames_(tx_frames), rings_(std::make_unique<Rings>()) {
  const auto where = [&] { return "af_xdp: " + ifname + " queue " + std::to_string(queue) + ": "; };
  area_size_ = std::size_t{kRxFrames + tx_frames_} * kFrameSize;
  area_ = ::mmap(nullptr, area_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    throw XskError(where() + "cannot map " + std::to_string(area_size_ >> 20) + " MiB of frames: " + std::strerror(errno));
  }
  try {
    xsk_umem_config ucfg{};
    ucfg.fill_size = kRxFrames;
    ucfg.comp_size = tx_frames_;
    ucfg.frame_size = kFrameSize;
    ucfg.frame_headroom = 0;
    if (int err = xsk_umem__create(&umem_, area_, area_size_, &rings_->fill, &rings_->comp, &ucfg))
      throw XskError(where() + "cannot register its memory: " + std::strerror(-err));
    xsk_socket_config scfg{};
    scfg.rx_size = kRxFrames;
    scfg.tx_size = tx_frames_;
    scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;  // bootgate's own program steers the frames
    scfg.bind_flags = XDP_USE_NEED_WAKEUP;  // zero-copy where the driver offers it, else copy mode
    if (int err = xsk_socket__create(&xsk_, ifname.c_str(), queue, umem_, &rings_->rx, &rings_->tx, &scfg))
      throw XskError(where() + "cannot bind an AF_XDP socket: " + std::strerror(-err));
    xdp_options opts{};
    socklen_t len = sizeof opts;
    if (::getsockopt(fd(), SOL_XDP, XDP_OPTIONS, &opts, &len) == 0) zero_copy_ = opts.flags & XDP_OPTIONS_ZEROCOPY;
    int sndbuf = kSndBuf;
    if (::setsockopt(fd(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
      ::setsockopt(fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  } catch (...) {
    if (xsk_) xsk_socket__delete(xsk_);
    if (umem_) xsk_umem__delete(umem_);
    ::munmap(area_, area_size_);
    throw;
  }
  // Frames [0, kRxFrames) receive, the rest transmit.
  std::uint32_t idx = 0;
  xsk_ring_prod__reserve(&rings_->fill, kRxFrames, &idx);
  for (std::uint32_t i = 0; i < kRxFrames; ++i) *xsk_ring_prod__fill_addr(&rings_->fill, idx + i) = std::uint64_t{i} * kFrameSize;
  xsk_ring_prod__submit(&rings_->fill, kRxFrames);
  free_tx_.reserve(tx_frames_);
  for (std::uint32_t i = 0; i < tx_frames_; ++i) free_tx_.push_back(std::uint64_t{kRxFrames + i} * kFrameSize);
}

XskSocket::~XskSocket() {
  xsk_socket__delete(xsk_);
  xsk_umem__delete(umem_);
  ::munmap(area_, area_size_);
}

int XskSocket::fd() const { return xsk_socket__fd(xsk_); }

std::size_t XskSocket::receive(std::size_t max, const std::function<void(std::span<const std::uint8_t>)>& fn) {
  std::uint32_t idx = 0;
  const auto n = xsk_ring_cons__peek(&rings_->rx, static_cast<std::uint32_t>(max), &idx);
  if (n == 0) return 0;
  std::uint32_t fidx = 0;
  // The fill ring holds every receive frame, so there is always room to give these back.
  xsk_ring_prod__reserve(&rings_->fill, n, &fidx);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto* d = xsk_ring_cons__rx_desc(&rings_->rx, idx + i);
    const auto* data = static_cast<const std::uint8_t*>(xsk_umem__get_data(area_, d->addr));
    fn({data, d->len});
    *xsk_ring_prod__fill_addr(&rings_->fill, fidx + i) = xsk_umem__extract_addr(d->addr);
  }
  xsk_ring_cons__release(&rings_->rx, n);
  xsk_ring_prod__submit(&rings_->fill, n);
  return n;
}

std::span<std::uint8_t> XskSocket::tx_frame() {
  if (free_tx_.empty()) reclaim();
  if (free_tx_.empty()) return {};
  reserved_tx_ = free_tx_.back();
  free_tx_.pop_back();
  return {static_cast<std::uint8_t*>(xsk_umem__get_data(area_, reserved_tx_)), kFrameSize};
}

bool XskSocket::tx_submit(std::size_t size) {
  if (reserved_tx_ == UINT64_MAX) return false;
  const auto addr = std::exchange(reserved_tx_, UINT64_MAX);
  std::uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&rings_->tx, 1, &idx) != 1) {
    kick();
    if (xsk_ring_prod__reserve(&rings_->tx, 1, &idx) != 1) {  // the kernel is not taking any
      free_tx_.push_back(addr);
      return false;
    }
  }
  auto* d = xsk_ring_prod__tx_desc(&rings_->tx, idx);
  d->addr = addr;
  d->len = static_cast<std::uint32_t>(size);
  d->options = 0;
  xsk_ring_prod__submit(&rings_->tx, 1);
  return true;
}

bool XskSocket::tx_pending() const {
  return __atomic_load_n(rings_->tx.consumer, __ATOMIC_ACQUIRE) != rings_->tx.cached_prod;
}

void XskSocket::kick() {
  // In copy mode each sendto() sends a bounded batch (32 frames) and reports EAGAIN while more wait;
  // stop when the ring is empty or a call made no progress (socket buffer or completion ring full).
  for (int round = 0; round < 1024 && tx_pending(); ++round) {
    const auto before = __atomic_load_n(rings_->tx.consumer, __ATOMIC_ACQUIRE);
    const auto r = ::sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    const int err = r < 0 ? errno : 0;
    if (err == EINTR) continue;
    if (err != 0 && err != EAGAIN && err != EBUSY && err != ENOBUFS) break;  // e.g. the link went down
    reclaim();
    if (__atomic_load_n(rings_->tx.consumer, __ATOMIC_ACQUIRE) == before) break;
  }
  reclaim();
}

void XskSocket::reclaim() {
  std::uint32_t idx = 0;
  const auto n = xsk_ring_cons__peek(&rings_->comp, tx_frames_, &idx);
  for (std::uint32_t i = 0; i < n; ++i) free_tx_.push_back(*xsk_ring_cons__comp_addr(&rings_->comp, idx + i));
  if (n) xsk_ring_cons__release(&rings_->comp, n);
}

std::uint32_t rx_queue_count(const std::string& ifname) {
  // Ask the driver (right in any network namespace); sysfs shows the namespace /sys was mounted in.
  ethtool_channels ch{};
  ch.cmd = ETHTOOL_GCHANNELS;
  ifreq req{};
  std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  req.ifr_data = reinterpret_cast<char*>(&ch);
  if (UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      s && ::ioctl(s.get(), SIOCETHTOOL, &req) == 0 && ch.rx_count + ch.combined_count > 0)
    return ch.rx_count + ch.combined_count;
  std::error_code ec;
  std::uint32_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net/" + ifname + "/queues", ec))
    if (e.path().filename().string().starts_with("rx-")) ++n;
  return n == 0 ? 1 : n;
}

}  // namespace bootgate::net
