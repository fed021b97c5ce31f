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
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "core/common/unique_fd.hpp"

namespace bootgate::net {

namespace {
// Ring sizes (powers of two). Receive frames are recycled at once; transmit frames stay in flight
// until the kernel frees the copy it sent, which over veth means until the client has read it.
constexpr std::uint32_t kRxFrames = 1024;
constexpr int kSndBuf = 64 << 20;  // copy mode charges every frame in flight to the socket

// AF_XDP transmit metadata (Linux 6.11 UAPI; Debian 12's headers predate it).
struct UmemReg {  // struct xdp_umem_reg
  std::uint64_t addr;
  std::uint64_t len;
  std::uint32_t chunk_size;
  std::uint32_t headroom;
  std::uint32_t flags;
  std::uint32_t tx_metadata_len;
};
constexpr std::uint32_t kUmemTxSwCsum = 1u << 1;       // XDP_UMEM_TX_SW_CSUM
constexpr std::uint32_t kUmemTxMetadataLen = 1u << 2;  // XDP_UMEM_TX_METADATA_LEN
constexpr std::uint32_t kDescTxMetadata = 1u << 1;     // XDP_TX_METADATA, in xdp_desc.options
constexpr std::uint64_t kTxmdChecksum = 1u << 1;       // XDP_TXMD_FLAGS_CHECKSUM
struct TxMetadata {  // struct xsk_tx_metadata; it sits right before the frame
  std::uint64_t flags;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
  std::uint32_t reserved;
  std::uint64_t launch_time;  // a later request field, never asked for
};
static_assert(sizeof(TxMetadata) <= XskSocket::kTxHeadroom && sizeof(TxMetadata) % 8 == 0);

std::uint64_t chunk_of(std::uint64_t addr) { return addr & ~std::uint64_t{XskSocket::kFrameSize - 1}; }

template <typename Ring>
void attach_ring(Ring& r, std::uint8_t* map, const xdp_ring_offset& off, std::uint32_t size, bool producer) {
  r.mask = size - 1;
  r.size = size;
  r.producer = reinterpret_cast<std::uint32_t*>(map + off.producer);
  r.consumer = reinterpret_cast<std::uint32_t*>(map + off.consumer);
  r.ring = map + off.desc;
  r.flags = reinterpret_cast<std::uint32_t*>(map + off.flags);
  r.cached_prod = __atomic_load_n(r.producer, __ATOMIC_ACQUIRE);
  // A producer counts free slots from cached_cons, one ring ahead of the consumer.
  r.cached_cons = __atomic_load_n(r.consumer, __ATOMIC_ACQUIRE) + (producer ? size : 0);
}
}  // namespace

struct XskSocket::Rings {
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
  Mapping fill_map, comp_map, rx_map, tx_map;
};

XskSocket::Mapping::Mapping(Mapping&& o) noexcept
    : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}

XskSocket::Mapping& XskSocket::Mapping::operator=(Mapping&& o) noexcept {
  if (this == &o) return *this;
  Mapping old(std::move(*this));  // unmapped on return
  addr_ = std::exchange(o.addr_, nullptr);
  size_ = std::exchange(o.size_, 0);
  return *this;
}

XskSocket::Mapping::~Mapping() {
  if (addr_) ::munmap(addr_, size_);
}

XskSocket::XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t tx_frames)
    : queue_(queue), tx_frames_(tx_frames), rings_(std::make_unique<Rings>()) {
  const auto where = "af_xdp: " + ifname + " queue " + std::to_string(queue) + ": ";
  const auto ifindex = ::if_nametoindex(ifname.c_str());
  if (ifindex == 0) throw XskError(where + "no such interface");
  const std::size_t area_size = std::size_t{kRxFrames + tx_frames_} * kFrameSize;
  void* area = ::mmap(nullptr, area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED)
    throw XskError(where + "cannot map " + std::to_string(area_size >> 20) + " MiB of frames: " + std::strerror(errno));
  area_ = Mapping(area, area_size);
  sock_ = UniqueFd(::socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!sock_) throw XskError(where + "cannot open an AF_XDP socket: " + std::strerror(errno));
  register_umem(where);
  map_rings(where);

  sockaddr_xdp sxdp{};
  sxdp.sxdp_family = AF_XDP;
  sxdp.sxdp_flags = XDP_USE_NEED_WAKEUP;  // zero-copy where the driver offers it, else copy mode
  sxdp.sxdp_ifindex = ifindex;
  sxdp.sxdp_queue_id = queue;
  if (::bind(fd(), reinterpret_cast<const sockaddr*>(&sxdp), sizeof sxdp) != 0)
    throw XskError(where + "cannot bind an AF_XDP socket: " + std::strerror(errno));
  xdp_options opts{};
  socklen_t len = sizeof opts;
  if (::getsockopt(fd(), SOL_XDP, XDP_OPTIONS, &opts, &len) == 0) zero_copy_ = opts.flags & XDP_OPTIONS_ZEROCOPY;
  checksum_offload_ = tx_metadata_ && !zero_copy_;
  int sndbuf = kSndBuf;
  if (::setsockopt(fd(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
    ::setsockopt(fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  // Chunks [0, kRxFrames) receive, the rest transmit.
  std::uint32_t idx = 0;
  xsk_ring_prod__reserve(&rings_->fill, kRxFrames, &idx);
  for (std::uint32_t i = 0; i < kRxFrames; ++i) *xsk_ring_prod__fill_addr(&rings_->fill, idx + i) = std::uint64_t{i} * kFrameSize;
  xsk_ring_prod__submit(&rings_->fill, kRxFrames);
  free_tx_.reserve(tx_frames_);
  for (std::uint32_t i = 0; i < tx_frames_; ++i) free_tx_.push_back(std::uint64_t{kRxFrames + i} * kFrameSize);
}

XskSocket::~XskSocket() = default;

void XskSocket::register_umem(const std::string& where) {
  UmemReg reg{};
  reg.addr = reinterpret_cast<std::uintptr_t>(area_.data());
  reg.len = std::uint64_t{kRxFrames + tx_frames_} * kFrameSize;
  reg.chunk_size = kFrameSize;
  // Room for a checksum request before each transmit frame. Kernels before 6.11 refuse the flag:
  // register plainly there, and bootgate computes every checksum itself.
  reg.flags = kUmemTxMetadataLen;
  reg.tx_metadata_len = sizeof(TxMetadata);
  // For captures and tests: the kernel finishes the requested checksums in software, so they are on
  // the wire even over veth (which otherwise passes them on unfinished, trusted by the receiver).
  if (const char* v = std::getenv("BOOTGATE_AF_XDP_SW_CSUM"); v && *v && std::string_view(v) != "0")
    reg.flags |= kUmemTxSwCsum;
  tx_metadata_ = ::setsockopt(fd(), SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) == 0;
  if (!tx_metadata_) {
    reg.flags = 0;
    reg.tx_metadata_len = 0;
    if (::setsockopt(fd(), SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) != 0)
      throw XskError(where + "cannot register its memory: " + std::strerror(errno));
  }
}

void XskSocket::map_rings(const std::string& where) {
  const auto set_size = [&](int opt, std::uint32_t n) {
    if (::setsockopt(fd(), SOL_XDP, opt, &n, sizeof n) != 0)
      throw XskError(where + "cannot size its rings: " + std::strerror(errno));
  };
  set_size(XDP_UMEM_FILL_RING, kRxFrames);
  set_size(XDP_UMEM_COMPLETION_RING, tx_frames_);
  set_size(XDP_RX_RING, kRxFrames);
  set_size(XDP_TX_RING, tx_frames_);
  xdp_mmap_offsets off{};
  socklen_t len = sizeof off;
  if (::getsockopt(fd(), SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) != 0)
    throw XskError(where + "cannot locate its rings: " + std::strerror(errno));
  const auto map = [&](const xdp_ring_offset& o, std::uint32_t n, std::size_t entry, off_t pgoff) {
    const std::size_t size = o.desc + n * entry;
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd(), pgoff);
    if (p == MAP_FAILED) throw XskError(where + "cannot map its rings: " + std::strerror(errno));
    return Mapping(p, size);
  };
  auto& r = *rings_;
  r.fill_map = map(off.fr, kRxFrames, sizeof(std::uint64_t), XDP_UMEM_PGOFF_FILL_RING);
  r.comp_map = map(off.cr, tx_frames_, sizeof(std::uint64_t), XDP_UMEM_PGOFF_COMPLETION_RING);
  r.rx_map = map(off.rx, kRxFrames, sizeof(xdp_desc), XDP_PGOFF_RX_RING);
  r.tx_map = map(off.tx, tx_frames_, sizeof(xdp_desc), XDP_PGOFF_TX_RING);
  attach_ring(r.fill, r.fill_map.data(), off.fr, kRxFrames, true);
  attach_ring(r.comp, r.comp_map.data(), off.cr, tx_frames_, false);
  attach_ring(r.rx, r.rx_map.data(), off.rx, kRxFrames, false);
  attach_ring(r.tx, r.tx_map.data(), off.tx, tx_frames_, true);
}

std::size_t XskSocket::receive(std::size_t max, const std::function<void(std::span<const std::uint8_t>)>& fn) {
  std::uint32_t idx = 0;
  const auto n = xsk_ring_cons__peek(&rings_->rx, static_cast<std::uint32_t>(max), &idx);
  if (n == 0) return 0;
  std::uint32_t fidx = 0;
  // The fill ring holds every receive frame, so there is always room to give these back.
  xsk_ring_prod__reserve(&rings_->fill, n, &fidx);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto* d = xsk_ring_cons__rx_desc(&rings_->rx, idx + i);
    fn({area_.data() + d->addr, d->len});
    *xsk_ring_prod__fill_addr(&rings_->fill, fidx + i) = chunk_of(d->addr);
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
  return {area_.data() + reserved_tx_ + kTxHeadroom, kFrameSize - kTxHeadroom};
}

bool XskSocket::tx_submit(std::size_t size, std::optional<ChecksumRequest> csum) {
  if (reserved_tx_ == UINT64_MAX) return false;
  const auto chunk = std::exchange(reserved_tx_, UINT64_MAX);
  std::uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&rings_->tx, 1, &idx) != 1) {
    kick();
    if (xsk_ring_prod__reserve(&rings_->tx, 1, &idx) != 1) {  // the kernel is not taking any
      free_tx_.push_back(chunk);
      return false;
    }
  }
  auto* d = xsk_ring_prod__tx_desc(&rings_->tx, idx);
  d->addr = chunk + kTxHeadroom;
  d->len = static_cast<std::uint32_t>(size);
  d->options = 0;
  if (csum && checksum_offload_) {
    TxMetadata meta{};
    meta.flags = kTxmdChecksum;
    meta.csum_start = csum->start;
    meta.csum_offset = csum->offset;
    std::memcpy(area_.data() + d->addr - sizeof meta, &meta, sizeof meta);
    d->options = kDescTxMetadata;
  }
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
  for (std::uint32_t i = 0; i < n; ++i) free_tx_.push_back(chunk_of(*xsk_ring_cons__comp_addr(&rings_->comp, idx + i)));
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
