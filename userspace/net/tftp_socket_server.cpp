#include "net/tftp_socket_server.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <array>
#include <cerrno>
#include <cstring>

namespace bootgate::net {

namespace {
constexpr std::size_t kBatch = 32;            // datagrams per recvmmsg
constexpr std::size_t kRxBuffer = 65536;      // largest UDP payload
constexpr std::size_t kSendChunk = 256;       // datagrams per sendmmsg
constexpr int kFlowSndBuf = 4 << 20;          // a full window must fit, or it is dropped and resent
constexpr std::size_t kCmsgSpace = CMSG_SPACE(sizeof(in6_pktinfo)) > CMSG_SPACE(sizeof(in_pktinfo))
                                       ? CMSG_SPACE(sizeof(in6_pktinfo))
                                       : CMSG_SPACE(sizeof(in_pktinfo));
}  // namespace

// Reusable recvmmsg/sendmmsg arrays, allocated once for the server's lifetime.
class TftpSocketServer::Batches {
 public:
  Batches() : rx_data_(kBatch * kRxBuffer) {}

  // Receives up to kBatch datagrams; 0 when the socket is drained.
  int receive(int fd, bool with_cmsg) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      rx_iov_[i] = iovec{rx_data_.data() + i * kRxBuffer, kRxBuffer};
      auto& h = rx_msgs_[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &rx_from_[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &rx_iov_[i];
      h.msg_iovlen = 1;
      if (with_cmsg) {
        h.msg_control = rx_cmsg_[i].data();
        h.msg_controllen = kCmsgSpace;
      }
    }
    for (;;) {
      const int n = ::recvmmsg(fd, rx_msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      return 0;
    }
  }
  std::span<const std::uint8_t> payload(int i) const {
    return {rx_data_.data() + static_cast<std::size_t>(i) * kRxBuffer, rx_msgs_[static_cast<std::size_t>(i)].msg_len};
  }
  Endpoint from(int i) const { return from_sockaddr(rx_from_[static_cast<std::size_t>(i)]); }
  // The datagram's destination address and interface (IP_PKTINFO / IPV6_PKTINFO).
  void local(int i, Endpoint& local, int& ifindex) const {
    const auto& h = rx_msgs_[static_cast<std::size_t>(i)].msg_hdr;
    for (auto* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        local.ip.v6 = false;
        std::memcpy(local.ip.bytes.data(), &pi.ipi_addr, 4);
        ifindex = pi.ipi_ifindex;
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        local.ip.v6 = true;
        std::memcpy(local.ip.bytes.data(), &pi.ipi6_addr, 16);
        ifindex = static_cast<int>(pi.ipi6_ifindex);
      }
    }
  }

  // Sends entries [first, last) of `tx` on `fd`; with `src`, each leaves from that address.
  // A run of same-size datagrams to one peer (a window) is contiguous in the arena and goes out as
  // one UDP GSO message: the kernel cuts it into datagrams, one pass through the stack per run.
  void send(int fd, TxBatch& tx, std::size_t first, std::size_t last, const Endpoint* src, DatapathStats& st) {
    const auto entries = tx.entries();
    std::size_t n = 0;
    for (std::size_t i = first; i < last;) {
      const auto& e = entries[i];
      std::size_t k = i + 1;
      std::size_t total = e.size;
      if (gso_ && !src) {
        while (k < last && k - i < kMaxGsoSegments && entries[k].to == e.to && entries[k - 1].size == e.size &&
               entries[k].size <= e.size && entries[k].offset == entries[k - 1].offset + entries[k - 1].size &&
               total + entries[k].size <= kMaxGsoBytes) {
          total += entries[k].size;
          ++k;
        }
      }
      tx_to_[n] = to_sockaddr(e.to);
      tx_iov_[n] = iovec{tx.payload_mut(e).data(), total};
      auto& h = tx_msgs_[n].msg_hdr;
      h = msghdr{};
      h.msg_name = tx_to_[n].get();
      h.msg_namelen = tx_to_[n].len;
      h.msg_iov = &tx_iov_[n];
      h.msg_iovlen = 1;
      if (k - i > 1) set_segment_size(h, tx_cmsg_[n], static_cast<std::uint16_t>(e.size));
      else if (src && !src->ip.is_unspecified() && src->ip.v6 == e.to.ip.v6) set_source(h, tx_cmsg_[n], *src);
      msg_first_[n] = i;
      msg_count_[n] = k - i;
      ++n;
      i = k;
      if (n == kSendChunk || i == last) {
        flush(fd, tx, n, src, st);
        n = 0;
      }
    }
  }

 private:
  static constexpr std::size_t kMaxGsoSegments = 64;    // UDP_MAX_SEGMENTS on older kernels
  static constexpr std::size_t kMaxGsoBytes = 65000;    // one IP packet's worth of UDP payload

  void flush(int fd, TxBatch& tx, std::size_t n, const Endpoint* src, DatapathStats& st) {
    std::size_t sent = 0;
    while (sent < n) {
      const int r = ::sendmmsg(fd, tx_msgs_.data() + sent, static_cast<unsigned>(n - sent), MSG_DONTWAIT);
      if (r > 0) {
        for (std::size_t m = sent; m < sent + static_cast<std::size_t>(r); ++m) st.tx_packets += msg_count_[m];
        sent += static_cast<std::size_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && msg_count_[sent] > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
        // This path cannot segment: stop using GSO and resend the rest of this batch datagram by
        // datagram. send() rebuilds the message arrays, so nothing here may read them afterwards.
        gso_ = false;
        send(fd, tx, msg_first_[sent], msg_first_[n - 1] + msg_count_[n - 1], src, st);
        return;
      }
      // Buffer full or the peer is unreachable: skip this message; timers resend what matters.
      st.tx_dropped += msg_count_[sent];
      ++sent;
    }
  }

  static void set_segment_size(msghdr& h, std::array<std::uint8_t, kCmsgSpace>& buf, std::uint16_t size) {
    std::memset(buf.data(), 0, buf.size());
    h.msg_control = buf.data();
    h.msg_controllen = CMSG_SPACE(sizeof(std::uint16_t));
    auto* c = reinterpret_cast<cmsghdr*>(buf.data());
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    std::memcpy(CMSG_DATA(c), &size, sizeof size);
  }

  static void set_source(msghdr& h, std::array<std::uint8_t, kCmsgSpace>& buf, const Endpoint& src) {
    std::memset(buf.data(), 0, buf.size());
    h.msg_control = buf.data();
    auto* c = reinterpret_cast<cmsghdr*>(buf.data());
    if (src.ip.v6) {
      h.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
      in6_pktinfo pi{};
      std::memcpy(&pi.ipi6_addr, src.ip.bytes.data(), 16);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    } else {
      h.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
      in_pktinfo pi{};
      std::memcpy(&pi.ipi_spec_dst, src.ip.bytes.data(), 4);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
  }

  std::vector<std::uint8_t> rx_data_;
  std::array<mmsghdr, kBatch> rx_msgs_{};
  std::array<iovec, kBatch> rx_iov_{};
  std::array<sockaddr_storage, kBatch> rx_from_{};
  std::array<std::array<std::uint8_t, kCmsgSpace>, kBatch> rx_cmsg_{};
  std::array<mmsghdr, kSendChunk> tx_msgs_{};
  std::array<iovec, kSendChunk> tx_iov_{};
  std::array<SockAddr, kSendChunk> tx_to_{};
  std::array<std::array<std::uint8_t, kCmsgSpace>, kSendChunk> tx_cmsg_{};
  std::array<std::size_t, kSendChunk> msg_first_{};
  std::array<std::size_t, kSendChunk> msg_count_{};
  bool gso_ = true;
};

TftpSocketServer::TftpSocketServer(asio::io_context& io, const config::TftpSection& cfg, tftp::FileSystem& files,
                                   RecordHandler on_record)
    : io_(io), cfg_(cfg), engine_(cfg.engine, files), on_record_(std::move(on_record)), timer_(io),
      io_bufs_(std::make_unique<Batches>()) {
  raise_fd_limit();
  UdpSocketOptions opts;
  opts.pktinfo = true;
  opts.rcvbuf = 4 << 20;  // a boot storm arrives at once
  opts.sndbuf = kFlowSndBuf;
  for (const auto& ep : cfg_.listen) {
    auto fd = open_udp(ep, opts);
    const auto bound = local_endpoint(fd.get());
    listeners_.emplace_back(io_, ep.ip.v6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd.get(), bound);
    fd.release();
  }
  for (std::size_t i = 0; i < listeners_.size(); ++i) arm_listener(i);
}

TftpSocketServer::~TftpSocketServer() = default;

std::vector<Endpoint> TftpSocketServer::listening() const {
  std::vector<Endpoint> out;
  for (const auto& l : listeners_) out.push_back(l.bound);
  return out;
}

void TftpSocketServer::reload(const config::TftpSection& cfg) {
  cfg_.engine = cfg.engine;
  cfg_.port_min = cfg.port_min;
  cfg_.port_max = cfg.port_max;
  // single_port must not change under running transfers: their sockets are already chosen.
  cfg_.engine.single_port = engine_.options().single_port;
  engine_.set_options(cfg_.engine);
}

void TftpSocketServer::stop_listening() {
  for (auto& l : listeners_) {
    boost::system::error_code ec;
    l.sock.close(ec);
  }
}

void TftpSocketServer::arm_listener(std::size_t i) {
  listeners_[i].sock.async_wait(asio::socket_base::wait_read, [this, i](const boost::system::error_code& ec) {
    if (!ec) drain_listener(i);  // an error means it was closed
  });
}

void TftpSocketServer::drain_listener(std::size_t i) {
  const bool drained = on_listener_readable(i);
  if (!listeners_[i].sock.is_open()) return;
  if (drained) arm_listener(i);
  else asio::post(io_, [this, i] { drain_listener(i); });  // let other sockets and timers run first
}

void TftpSocketServer::arm_flow(std::uint64_t id) {
  auto it = flows_.find(id);
  if (it == flows_.end() || !it->second.sock) return;
  it->second.sock->async_wait(asio::socket_base::wait_read, [this, id](const boost::system::error_code& ec) {
    if (!ec) drain_flow(id);  // an error means the transfer ended and closed it
  });
}

void TftpSocketServer::drain_flow(std::uint64_t id) {
  if (on_flow_readable(id)) arm_flow(id);
  else asio::post(io_, [this, id] { drain_flow(id); });
}

bool TftpSocketServer::open_flow_socket(Flow& flow) {
  Endpoint bind_to = flow.local;
  // A request sent to a broadcast or multicast address is answered from the wildcard address.
  if (!bind_to.ip.v6 && (bind_to.ip.bytes[0] >= 224)) bind_to.ip = IpAddress{};
  UdpSocketOptions opts;
  opts.sndbuf = kFlowSndBuf;
  int fd = -1;
  if (cfg_.port_min == 0) {
    bind_to.port = 0;
    int err = 0;
    fd = try_open_udp(bind_to, opts, err).release();
  } else {
    // Walk the range from a rotating cursor; a bind failure costs little.
    const std::uint32_t span = cfg_.port_max - cfg_.port_min + 1u;
    for (std::uint32_t tries = 0; tries < span && fd < 0; ++tries) {
      bind_to.port = static_cast<std::uint16_t>(cfg_.port_min + (next_port_++ % span));
      int err = 0;
      fd = try_open_udp(bind_to, opts, err).release();
    }
  }
  if (fd < 0) return false;
  flow.sock.emplace(io_);
  flow.sock->assign(bind_to.ip.v6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd);
  return true;
}

bool TftpSocketServer::on_listener_readable(std::size_t li) {
  auto& bufs = *io_bufs_;
  const int fd = listeners_[li].sock.native_handle();
  bool drained = false;
  for (int round = 0; round < 8 && !drained; ++round) {  // bounded, so flows get their turn in a storm
    const int n = bufs.receive(fd, true);
    drained = n < static_cast<int>(kBatch);
    if (n <= 0) break;
    dstats_.rx_packets += static_cast<std::uint64_t>(n);
    const auto now = Clock::now();
    for (int i = 0; i < n; ++i) {
      Endpoint local = listeners_[li].bound;
      int ifindex = 0;
      bufs.local(i, local, ifindex);
      local.port = listeners_[li].bound.port;
      const auto from = bufs.from(i);
      const auto flow_id = engine_.on_listen_datagram(now, from, local, mtu_.mtu(ifindex), bufs.payload(i));
      if (flow_id) {
        Flow flow;
        flow.listener = li;
        flow.local = local;
        if (!engine_.options().single_port && !open_flow_socket(flow)) {
          ++dstats_.no_port;
          engine_.abort(*flow_id, "no free transfer port (port_range " + std::to_string(cfg_.port_min) + "-" +
                                           std::to_string(cfg_.port_max) + " exhausted)");
        } else {
          const bool has_socket = flow.sock.has_value();
          flows_.emplace(*flow_id, std::move(flow));
          if (has_socket) arm_flow(*flow_id);
        }
      }
      flush(li, local);
    }
  }
  schedule();
  return drained;
}

bool TftpSocketServer::on_flow_readable(std::uint64_t id) {
  auto it = flows_.find(id);
  if (it == flows_.end() || !it->second.sock) return true;
  auto& bufs = *io_bufs_;
  const int fd = it->second.sock->native_handle();
  const auto li = it->second.listener;
  const auto local = it->second.local;
  const int n = bufs.receive(fd, false);
  dstats_.rx_packets += static_cast<std::uint64_t>(std::max(n, 0));
  const auto now = Clock::now();
  for (int i = 0; i < n; ++i) engine_.on_flow_datagram(now, id, bufs.from(i), bufs.payload(i));
  flush(li, local);
  schedule();
  return n < static_cast<int>(kBatch) || !flows_.count(id);
}

void TftpSocketServer::on_timer() {
  armed_for_.reset();
  engine_.on_timeout(Clock::now());
  flush(0, listeners_.empty() ? Endpoint{} : listeners_[0].bound);
  schedule();
}

void TftpSocketServer::flush(std::size_t listener, const Endpoint& local) {
  auto& tx = engine_.tx();
  const auto entries = tx.entries();
  std::size_t i = 0;
  while (i < entries.size()) {
    std::size_t j = i + 1;
    while (j < entries.size() && entries[j].flow == entries[i].flow) ++j;
    const auto flow_id = entries[i].flow;
    if (flow_id == tftp::Server::kListenFlow) {
      if (listener < listeners_.size() && listeners_[listener].sock.is_open())
        io_bufs_->send(listeners_[listener].sock.native_handle(), tx, i, j, &local, dstats_);
    } else if (auto it = flows_.find(flow_id); it != flows_.end()) {
      auto& f = it->second;
      if (f.sock) io_bufs_->send(f.sock->native_handle(), tx, i, j, nullptr, dstats_);
      else if (f.listener < listeners_.size() && listeners_[f.listener].sock.is_open())
        io_bufs_->send(listeners_[f.listener].sock.native_handle(), tx, i, j, &f.local, dstats_);
    }
    i = j;
  }
  tx.clear();
  for (auto id : engine_.take_closed()) flows_.erase(id);  // closes the socket, cancels its wait
  if (on_record_)
    for (const auto& r : engine_.take_records()) on_record_(r);
}

void TftpSocketServer::schedule() {
  const auto next = engine_.next_deadline();
  if (!next || (armed_for_ && *armed_for_ <= *next)) return;
  armed_for_ = *next;
  timer_.expires_at(*next);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timer();
  });
}

}  // namespace bootgate::net
