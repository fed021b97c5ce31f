#include "net/dhcp_socket_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstring>
#include <spdlog/spdlog.h>

#include "net/socket_util.hpp"

namespace bootgate::net {

namespace asio = boost::asio;

struct DhcpSocketServer::Link {
  InterfaceInfo iface;
  DhcpPacketSocket socket;
  asio::posix::stream_descriptor wait;  // borrows socket.fd() for readiness only

  Link(asio::io_context& io, InterfaceInfo info, std::span<const std::uint16_t> ports)
      : iface(std::move(info)), socket(iface, ports), wait(io, socket.fd()) {}
  ~Link() {
    boost::system::error_code ignored;
    wait.cancel(ignored);
    (void)wait.release();  // the packet socket owns (and closes) the fd
  }
};

DhcpSocketServer::DhcpSocketServer(asio::io_context& io, const std::vector<std::string>& interfaces,
                                   const std::vector<std::uint16_t>& ports, dhcp::Server& engine,
                                   dhcp::LeaseStore& store, EventHandler on_event, TickHandler on_tick,
                                   std::chrono::milliseconds commit_delay)
    : io_(io), ports_(ports), engine_(&engine), store_(store), on_event_(std::move(on_event)),
      on_tick_(std::move(on_tick)), timer_(io), commit_timer_(io), commit_delay_(commit_delay) {
  // Packet sockets first: once port 67 shows as bound (what `ss` and a supervisor look for) every
  // frame is already being received.
  for (const auto& name : interfaces) {
    auto info = interface_info(name);
    ifaces_.push_back(info);
    links_.push_back(std::make_unique<Link>(io, std::move(info), ports));
  }
  for (auto port : ports) {
    try {
      udp_.push_back(open_udp_sender(port));
    } catch (const std::system_error& e) {
      throw std::runtime_error("dhcp: cannot bind UDP port " + std::to_string(port) + ": " +
                               e.code().message() + " (another DHCP server running?)");
    }
  }
  for (std::size_t i = 0; i < links_.size(); ++i) arm(i);
  arm_timer();
}

DhcpSocketServer::~DhcpSocketServer() { stop(); }

void DhcpSocketServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  commit_timer_.cancel();
  if (writing_) {  // wait for it; its replies still go out
    writer_.join();
    written();
  }
  alive_.reset();  // a completion still queued on the loop finds us gone
  // What was granted since is made durable here; those replies still go out.
  if (auto changes = store_.take_changes(); !waiting_.empty() || !changes.empty()) {
    auto r = store_.write(changes);
    if (!r) store_.requeue(changes);
    release(waiting_, r);
  }
  for (const auto& l : links_) stats_.kernel_drops += l->socket.take_kernel_drops();
  links_.clear();
  udp_.clear();
}

void DhcpSocketServer::arm(std::size_t link) {
  links_[link]->wait.async_wait(asio::posix::descriptor_base::wait_read,
                                [this, link](const boost::system::error_code& ec) {
                                  if (ec || stopped_) return;
                                  on_readable(link);
                                  if (!stopped_) arm(link);
                                });
}

void DhcpSocketServer::on_readable(std::size_t index) {
  Link& link = *links_[index];
  pending_.clear();
  bool flush_due = false;
  for (std::size_t n = 0; n < kBatch; ++n) {
    auto rx = link.socket.receive(rx_buffer_);
    if (!rx) break;
    ++stats_.frames;
    auto parsed = parse_udp_frame(rx->bytes, rx->checksum_known ? UdpChecksum::skip : UdpChecksum::verify);
    if (!parsed.frame) {
      ++stats_.bad_frames;
      spdlog::debug("dhcp: {}: dropped a frame: {}", link.iface.name, to_string(parsed.error));
      continue;
    }
    const UdpFrame& f = *parsed.frame;
    dhcp::Received in;
    in.payload = f.payload;
    in.source = Endpoint{IpAddress::v4(f.src_ip), f.src_port};
    // Sent to one of our addresses: that one; otherwise the interface's primary address.
    const auto& addrs = link.iface.ipv4;
    const bool to_us = std::find(addrs.begin(), addrs.end(), f.dst_ip) != addrs.end();
    in.local = IpAddress::v4(to_us ? f.dst_ip : (addrs.empty() ? 0u : addrs.front()));
    in.local_port = f.dst_port;
    in.ifindex = static_cast<std::uint32_t>(link.iface.ifindex);
    in.interface = link.iface.name;
    in.vlan = rx->vlan ? rx->vlan : f.vlan;  // kernel metadata, else a tag still in the frame
    in.to_broadcast = f.dst_ip == 0xffffffffu || f.dst_mac == kBroadcastMac;
    in.now = Clock::now();

    auto out = engine_->handle(in);
    if (on_event_) on_event_(in, out);
    flush_due = flush_due || out.store_changed;
    if (out.reply) pending_.push_back(Pending{std::move(*out.reply), index, f.src_mac, f.dst_port, out.store_changed});
  }
  // Group commit: a reply that changed the store (every ACK and BOOTP reply: the engine re-records
  // even a repeated binding) leaves only after the transaction holding that change; one transaction
  // covers every such reply until then (commit_delay after the last one). OFFERs and NAKs promise
  // nothing durable and leave at once.
  for (auto& p : pending_) {
    if (p.needs_flush) waiting_.push_back(std::move(p));
    else send(p);
  }
  if (!flush_due && waiting_.empty()) return;
  if (waiting_.size() >= kMaxWaiting) {  // a storm: commit now rather than release one big burst
    commit_timer_.cancel();
    commit_armed_ = false;
    commit();
  } else {
    request_commit();
  }
}

void DhcpSocketServer::request_commit() {
  if (commit_armed_ || stopped_) return;
  const auto due = last_commit_ + commit_delay_;
  if (Clock::now() >= due) {
    commit();
    return;
  }
  commit_armed_ = true;
  commit_timer_.expires_at(due);
  commit_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by an early commit or stop()
    commit_armed_ = false;
    if (!stopped_) commit();
  });
}

// One write at a time runs on the writer thread; the loop goes on receiving and offering meanwhile.
void DhcpSocketServer::commit() {
  if (writing_) {
    commit_again_ = true;  // when the running write ends
    return;
  }
  auto changes = store_.take_changes();
  if (changes.empty()) {  // everything is on disk already: the waiting replies can go
    release(waiting_, Ok{});
    return;
  }
  ++stats_.commits;
  last_commit_ = Clock::now();
  writing_ = true;
  in_write_ = std::move(waiting_);
  waiting_.clear();
  write_changes_ = std::move(changes);
  // The loop leaves write_changes_ and write_result_ alone until written() runs after this
  // (posted through the loop) or stop() has joined the writer.
  asio::post(writer_, [this, alive = std::weak_ptr<void>(alive_)] {
    write_result_ = store_.write(write_changes_);
    asio::post(io_, [this, alive] {
      if (!alive.expired()) written();
    });
  });
}

void DhcpSocketServer::written() {
  writing_ = false;
  Result<Ok, dhcp::StoreError> r = std::move(write_result_);
  if (!r) store_.requeue(write_changes_);
  write_changes_ = {};
  release(in_write_, r);
  if (commit_again_ && !stopped_) {
    commit_again_ = false;
    request_commit();
  }
}

void DhcpSocketServer::release(std::vector<Pending>& replies, const Result<Ok, dhcp::StoreError>& stored) {
  if (!stored)
    spdlog::error("dhcp: lease store: {} (withholding {} replies)", stored.error().message, replies.size());
  for (const auto& p : replies) {
    if (!stored) ++stats_.flush_errors;
    else if (!links_.empty()) send(p);
  }
  replies.clear();
}

void DhcpSocketServer::send(const Pending& p) {
  const auto& d = p.reply.destination;
  if (d.kind == dhcp::Destination::Kind::relay) {
    // Through the routing table (and ARP) to the relay agent's giaddr.
    const auto sa = to_sockaddr(d.to);
    auto port = std::find(ports_.begin(), ports_.end(), p.local_port);
    const int fd = port == ports_.end() ? udp_.front().get() : udp_[static_cast<std::size_t>(port - ports_.begin())].get();
    if (::sendto(fd, p.reply.payload.data(), p.reply.payload.size(), 0, sa.get(), sa.len) < 0) {
      ++stats_.send_errors;
      spdlog::warn("dhcp: reply to relay {} failed: {}", d.to.to_string(), std::strerror(errno));
    } else {
      ++stats_.replies;
    }
    return;
  }
  Link& link = *links_[p.link];
  UdpFrame f;
  f.src_mac = link.iface.mac;
  switch (d.kind) {
    case dhcp::Destination::Kind::broadcast: f.dst_mac = kBroadcastMac; break;
    case dhcp::Destination::Kind::to_hw:
      // Unicast to an address the client does not answer ARP for yet: straight to chaddr.
      if (d.hw.length == 6) std::copy_n(d.hw.bytes.begin(), 6, f.dst_mac.begin());
      else f.dst_mac = kBroadcastMac;
      break;
    default: f.dst_mac = p.peer_mac; break;  // a client with an address (or its router) sent it
  }
  const std::uint32_t from = d.from.v4_host_order();
  f.src_ip = from != 0 ? from : (link.iface.ipv4.empty() ? 0u : link.iface.ipv4.front());
  f.dst_ip = d.to.ip.v4_host_order();
  f.src_port = p.local_port;  // a PXE boot-server reply comes from 4011
  f.dst_port = d.to.port;
  f.vlan = d.vlan;
  f.payload = p.reply.payload;
  build_udp_frame(f, tx_buffer_, ++ip_id_);
  if (!link.socket.send(tx_buffer_, f.dst_mac)) {
    ++stats_.send_errors;
    spdlog::warn("dhcp: {}: sending to {} failed: {}", link.iface.name, d.to.to_string(), std::strerror(errno));
    return;
  }
  ++stats_.replies;
}

void DhcpSocketServer::arm_timer() {
  timer_.expires_after(kHousekeeping);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    const auto now = Clock::now();
    if (engine_->expire(now) > 0) request_commit();
    if (on_tick_) on_tick_(now);
    arm_timer();
  });
}

}  // namespace bootgate::net
