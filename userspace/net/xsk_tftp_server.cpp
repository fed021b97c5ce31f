#include "net/xsk_tftp_server.hpp"

#include <poll.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/socket_util.hpp"

namespace bootgate::net {

namespace {
constexpr std::uint16_t kTftpPort = 69;
constexpr std::size_t kRxBatch = 64;       // frames per ring read
constexpr int kRxRounds = 16;              // ring reads per wakeup before timers get their turn
constexpr auto kNeighborIdle = std::chrono::minutes(5);
constexpr std::size_t kMaxHeld = 8192;     // frames waiting per socket; past it the retransmit timer recovers
constexpr auto kSweepEvery = std::chrono::minutes(1);
// Interrupt coalescing, as NICs do: with at least kCoalesceFrom transfers running, the thread naps
// between ring reads while frames keep arriving, rather than sleeping in poll() and waking once per
// ACK. The nap grows with the transfers (kCoalescePerTransfer each, at most kCoalesceMax): in a
// storm every client waits its turn for a CPU anyway, so its round trip is already longer than the
// nap, and the clients stay busy while the server gathers their ACKs. A lone download never naps.
constexpr std::size_t kCoalesceFrom = 16;
constexpr auto kCoalescePerTransfer = std::chrono::nanoseconds(2500);
constexpr auto kCoalesceMax = std::chrono::microseconds(500);
}  // namespace

XskTftpServer::XskTftpServer(const config::TftpSection& cfg, const std::string& ifname, tftp::FileSystem& files,
                             const RegisterQueue& register_queue, RecordHandler on_record)
    : cfg_(cfg), engine_(cfg.engine, files), on_record_(std::move(on_record)),
      wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!wake_) throw XskError(std::string("af_xdp: eventfd: ") + std::strerror(errno));
  for (const auto& ep : cfg_.listen) {
    if (ep.ip.v6 || (ep.port != kTftpPort && ep.port != 0)) continue;  // the socket datapath serves those
    if (ep.ip.is_unspecified()) any_ip_ = true;
    else listen_ips_.push_back(ep.ip.v4_host_order());
  }
  const auto mtu = interface_mtu(ifname);
  mtu_ = std::min(mtu ? mtu : 1500u, kXskMaxMtu);  // unknown: assume Ethernet's, never above a frame
  const auto queues = rx_queue_count(ifname);
  held_.resize(queues);
  for (std::uint32_t q = 0; q < queues; ++q) {
    xsks_.push_back(std::make_unique<XskSocket>(ifname, q, cfg_.af_xdp_tx_frames));
    register_queue(q, xsks_.back()->fd());
  }
}

XskTftpServer::~XskTftpServer() { stop(); }

void XskTftpServer::start() {
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void XskTftpServer::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  notify();
  thread_.join();
}

void XskTftpServer::reload(const config::TftpSection& cfg) {
  {
    std::lock_guard lock(mutex_);
    pending_reload_ = cfg;
  }
  notify();
}

void XskTftpServer::stop_listening() {
  {
    std::lock_guard lock(mutex_);
    pending_stop_listening_ = true;
  }
  notify();
}

void XskTftpServer::notify() {
  commands_.store(true);  // for a thread that naps
  const std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(wake_.get(), &one, sizeof one);  // for one in poll()
}

void XskTftpServer::apply_commands() {
  commands_.store(false);
  std::uint64_t count = 0;
  [[maybe_unused]] auto r = ::read(wake_.get(), &count, sizeof count);
  std::lock_guard lock(mutex_);
  if (pending_reload_) {
    // The port range may change for new transfers; single_port and the listen set may not.
    auto next = std::move(*pending_reload_);
    pending_reload_.reset();
    next.engine.single_port = engine_.options().single_port;
    cfg_.port_min = next.port_min;
    cfg_.port_max = next.port_max;
    cfg_.engine = next.engine;
    engine_.set_options(next.engine);
  }
  if (pending_stop_listening_) listening_ = false;
}

void XskTftpServer::run(std::stop_token stop) {
  std::vector<pollfd> fds;
  for (const auto& x : xsks_) fds.push_back({x->fd(), POLLIN, 0});
  fds.push_back({wake_.get(), POLLIN, 0});
  bool coalescing = false;
  while (!stop.stop_requested()) {
    auto wait = std::chrono::milliseconds(1000);
    const auto deadline = engine_.next_deadline();
    if (deadline) wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()),
                                    std::chrono::milliseconds(0), wait);
    for (std::size_t i = 0; i < xsks_.size(); ++i)  // the kernel refused some, or frames wait: retry soon
      if (xsks_[i]->tx_pending() || !held_[i].empty()) wait = std::min(wait, std::chrono::milliseconds(1));
    if (coalescing) {
      // Many transfers and frames keep coming: let them gather for a moment instead of waking per
      // frame (the rings are read without a system call). See kCoalesceFrom.
      Duration nap = std::min<Duration>(kCoalescePerTransfer * engine_.active(), kCoalesceMax);
      if (deadline) nap = std::min<Duration>(nap, std::max<Duration>(*deadline - Clock::now(), Duration{}));
      const auto ts = timespec{0, static_cast<long>(std::chrono::nanoseconds(nap).count())};
      ::nanosleep(&ts, nullptr);
      if (commands_.exchange(false)) apply_commands();
    } else {
      // poll() fails only on a signal or without memory: carry on (after a breath), timers still need serving.
      if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) < 0) {
        fds.back().revents = 0;
        if (errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (fds.back().revents & POLLIN) apply_commands();
    }

    release_held();  // before new replies, so frames leave in the order they were made
    auto now = Clock::now();
    std::size_t frames = 0;
    for (std::size_t i = 0; i < xsks_.size(); ++i) {
      for (int round = 0; round < kRxRounds; ++round) {
        const auto n = xsks_[i]->receive(kRxBatch, [&](std::span<const std::uint8_t> frame) { on_frame(i, frame, now); });
        frames += n;
        if (n < kRxBatch) break;
      }
    }
    dstats_.rx_frames += frames;
    now = Clock::now();
    if (const auto due = engine_.next_deadline(); due && *due <= now) {
      engine_.on_timeout(now);
      send_tx(Endpoint{});
    }
    for (auto& x : xsks_)
      if (x->tx_pending()) x->kick();
    after_engine();
    if (now >= next_sweep_) forget_neighbors(now);
    coalescing = frames > 0 && engine_.active() >= kCoalesceFrom;
  }
}

bool XskTftpServer::serves(std::uint32_t ip) const {
  return listening_ && (any_ip_ || std::find(listen_ips_.begin(), listen_ips_.end(), ip) != listen_ips_.end());
}

void XskTftpServer::on_frame(std::size_t xsk, std::span<const std::uint8_t> bytes, TimePoint now) {
  const auto parsed = parse_udp_frame(bytes, UdpChecksum::allow_partial);
  if (!parsed.frame) {
    ++dstats_.malformed;
    return;
  }
  const auto& f = *parsed.frame;
  auto& n = neighbors_[f.src_ip];
  n = Neighbor{f.src_mac, f.dst_mac, f.vlan, f.vlan_pcp, xsk, now};
  const Endpoint from{IpAddress::v4(f.src_ip), f.src_port};
  const Endpoint local{IpAddress::v4(f.dst_ip), f.dst_port};
  if (f.dst_port == kTftpPort) {
    if (!serves(f.dst_ip)) {
      ++dstats_.not_serving;
      return;
    }
    if (const auto id = engine_.on_listen_datagram(now, from, local, mtu_, f.payload)) {
      Flow flow{local, UniqueFd()};
      if (engine_.options().single_port) {
        flows_.emplace(*id, std::move(flow));
      } else if (const auto port = reserve_port(flow)) {
        by_port_[*port] = *id;
        flows_.emplace(*id, std::move(flow));
      } else {
        ++dstats_.no_port;
        engine_.abort(*id, "no free transfer port (port_range " + std::to_string(cfg_.port_min) + "-" +
                               std::to_string(cfg_.port_max) + " exhausted)");
      }
    }
    send_tx(local);
    return;
  }
  const auto it = by_port_.find(f.dst_port);
  if (it == by_port_.end()) {
    ++dstats_.no_transfer;
    return;
  }
  engine_.on_flow_datagram(now, it->second, from, f.payload);
  send_tx(local);
}

std::optional<std::uint16_t> XskTftpServer::reserve_port(Flow& flow) {
  if (cfg_.port_min == 0) return std::nullopt;
  // A kernel socket on the port keeps the kernel from handing it to anyone else while the transfer
  // runs. It never sees a packet: the XDP program takes the port's traffic first.
  const std::uint32_t span = cfg_.port_max - cfg_.port_min + 1u;
  for (std::uint32_t tries = 0; tries < span; ++tries) {
    const auto port = static_cast<std::uint16_t>(cfg_.port_min + (next_port_++ % span));
    if (by_port_.count(port)) continue;
    int err = 0;
    auto fd = try_open_udp(Endpoint{IpAddress{}, port}, UdpSocketOptions{}, err);
    if (!fd) continue;
    flow.reservation = std::move(fd);
    flow.local.port = port;
    return port;
  }
  return std::nullopt;
}

void XskTftpServer::send_tx(const Endpoint& listen_local) {
  auto& tx = engine_.tx();
  for (const auto& e : tx.entries()) {
    Endpoint src = listen_local;
    if (e.flow != tftp::Server::kListenFlow) {
      const auto it = flows_.find(e.flow);
      if (it == flows_.end()) continue;
      src = it->second.local;
    }
    const auto nb = neighbors_.find(e.to.ip.v4_host_order());
    // No source (a listening-port reply outside a request's turn) or no known way to the peer.
    if (e.to.ip.v6 || src.ip.v6 || src.ip.is_unspecified() || nb == neighbors_.end()) {
      ++dstats_.tx_dropped;
      continue;
    }
    const auto& n = nb->second;
    UdpFrame frame;
    frame.dst_mac = n.mac;
    frame.src_mac = n.our_mac;
    frame.vlan = n.vlan;
    frame.vlan_pcp = n.vlan_pcp;
    frame.src_ip = src.ip.v4_host_order();
    frame.dst_ip = e.to.ip.v4_host_order();
    frame.src_port = src.port;
    frame.dst_port = e.to.port;
    frame.payload = tx.payload(e);
    auto& x = *xsks_[n.xsk];
    if (udp_frame_size(frame, frame.payload.size()) > XskSocket::kMaxFrame) {
      ++dstats_.tx_dropped;  // the engine caps blksize at the MTU, so this does not happen
      continue;
    }
    // Every transmit frame in flight (over veth: unread by the clients), or older frames waiting.
    const auto buf = held_[n.xsk].empty() ? x.tx_frame() : std::span<std::uint8_t>{};
    if (buf.empty()) {
      hold(n.xsk, frame);
      continue;
    }
    if (submit(x, frame, buf)) ++dstats_.tx_frames;
    else ++dstats_.tx_dropped;
  }
  tx.clear();
}

namespace {
// The kernel's share of the UDP checksum of `frame`, when `x` can take it.
std::optional<XskSocket::ChecksumRequest> offload_for(const XskSocket& x, const UdpFrame& frame) {
  if (!x.checksum_offload()) return std::nullopt;
  return XskSocket::ChecksumRequest{static_cast<std::uint16_t>(udp_header_offset(frame)),
                                    static_cast<std::uint16_t>(kUdpChecksumField)};
}
UdpChecksumOut checksum_out(const std::optional<XskSocket::ChecksumRequest>& csum) {
  return csum ? UdpChecksumOut::offload : UdpChecksumOut::compute;
}
}  // namespace

bool XskTftpServer::submit(XskSocket& x, const UdpFrame& frame, std::span<std::uint8_t> buf) {
  const auto csum = offload_for(x, frame);
  return x.tx_submit(build_udp_frame(frame, buf, ++ip_id_, checksum_out(csum)), csum);
}

void XskTftpServer::hold(std::size_t xsk, const UdpFrame& frame) {
  auto& q = held_[xsk];
  if (q.size() >= kMaxHeld) {
    ++dstats_.tx_dropped;
    return;
  }
  auto& h = q.emplace_back();
  h.csum = offload_for(*xsks_[xsk], frame);
  build_udp_frame(frame, h.bytes, ++ip_id_, checksum_out(h.csum));
  ++dstats_.held;
}

void XskTftpServer::release_held() {
  for (std::size_t i = 0; i < xsks_.size(); ++i) {
    auto& q = held_[i];
    auto& x = *xsks_[i];
    while (!q.empty()) {
      const auto buf = x.tx_frame();
      if (buf.empty()) break;
      const auto& h = q.front();
      std::copy(h.bytes.begin(), h.bytes.end(), buf.begin());
      if (!x.tx_submit(h.bytes.size(), h.csum)) break;
      ++dstats_.tx_frames;
      q.pop_front();
    }
    if (x.tx_pending()) x.kick();
  }
}

void XskTftpServer::after_engine() {
  for (const auto id : engine_.take_closed()) {
    const auto it = flows_.find(id);
    if (it == flows_.end()) continue;
    if (it->second.reservation) by_port_.erase(it->second.local.port);
    flows_.erase(it);  // closes the reservation
  }
  if (on_record_)
    for (const auto& r : engine_.take_records()) on_record_(r);
  active_.store(engine_.active(), std::memory_order_relaxed);
}

void XskTftpServer::forget_neighbors(TimePoint now) {
  next_sweep_ = now + kSweepEvery;
  std::erase_if(neighbors_, [&](const auto& kv) { return now - kv.second.seen > kNeighborIdle; });
}

}  // namespace bootgate::net
