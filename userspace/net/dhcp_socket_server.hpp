#pragma once
// The DHCP datapath on Asio: a packet socket per interface for everything clients send and every
// reply that goes on their link, a UDP socket per server port for replies to relay agents (and so
// the kernel never answers our port with ICMP). One loop turn: drain up to a batch of frames and run
// each through the engine. Replies that changed the lease store (ACKs) wait for the next group
// commit: one store transaction and fsync, written on a worker thread so the loop never waits for
// the disk, after which they are sent; the others (OFFERs) leave at once.
// Commits are at least `commit_delay` apart: after a quiet spell a change commits at once (low
// latency for a lone client), under load one fsync covers every change of the last interval (bounded
// fsyncs per second), or earlier once kMaxWaiting replies wait. A timer gives lapsed offers back now
// and then.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dhcp/lease_store.hpp"
#include "core/dhcp/server.hpp"
#include "net/dhcp_packet_socket.hpp"

namespace bootgate::net {

struct DhcpSocketStats {
  std::uint64_t frames = 0;       // accepted by the socket filter
  std::uint64_t bad_frames = 0;   // did not parse as IPv4/UDP (checksum, truncation, ...)
  std::uint64_t replies = 0;      // sent
  std::uint64_t send_errors = 0;
  std::uint64_t flush_errors = 0;  // replies withheld because the lease store could not commit
  std::uint64_t commits = 0;       // store flushes (each one transaction)
  std::uint64_t kernel_drops = 0;  // frames the kernel dropped for a full receive ring (as of stop())
};

class DhcpSocketServer {
 public:
  // Called for every message the engine handled, before its reply is sent.
  using EventHandler = std::function<void(const dhcp::Received&, const dhcp::Outcome&)>;
  // Called by the housekeeping timer after expire() (for expiry hooks, metrics).
  using TickHandler = std::function<void(TimePoint now)>;

  // Throws std::exception with one line when an interface is missing or a socket cannot be opened.
  DhcpSocketServer(boost::asio::io_context& io, const std::vector<std::string>& interfaces,
                   const std::vector<std::uint16_t>& ports, dhcp::Server& engine, dhcp::LeaseStore& store,
                   EventHandler on_event, TickHandler on_tick = {},
                   std::chrono::milliseconds commit_delay = std::chrono::milliseconds(0));
  ~DhcpSocketServer();
  DhcpSocketServer(const DhcpSocketServer&) = delete;
  DhcpSocketServer& operator=(const DhcpSocketServer&) = delete;

  // Reload: the next message goes to `engine` (same store).
  void set_engine(dhcp::Server& engine) { engine_ = &engine; }
  void stop();
  const DhcpSocketStats& stats() const { return stats_; }
  const std::vector<InterfaceInfo>& interfaces() const { return ifaces_; }

  static constexpr std::size_t kBatch = 64;
  // Replies waiting for a commit that make it happen early: bounds the burst the clients' links
  // (and a load generator's one socket) receive at once.
  static constexpr std::size_t kMaxWaiting = 32;
  static constexpr auto kHousekeeping = std::chrono::seconds(2);

 private:
  struct Link;
  struct Pending {
    dhcp::Reply reply;
    std::size_t link = 0;
    MacAddress peer_mac{};  // the frame's source: the client, or the router it came through
    std::uint16_t local_port = 67;
    bool needs_flush = false;
  };

  void arm(std::size_t link);
  void on_readable(std::size_t link);
  void send(const Pending& p);
  void arm_timer();
  void request_commit();  // commit now, or when commit_delay since the last one has passed
  void commit();          // start writing the store's changes; waiting replies go when written
  void written();         // on the loop: the write ended
  // Sends the replies, or withholds them (and counts) when their changes could not be stored.
  void release(std::vector<Pending>& replies, const Result<Ok, dhcp::StoreError>& stored);

  boost::asio::io_context& io_;
  std::vector<std::uint16_t> ports_;
  dhcp::Server* engine_;
  dhcp::LeaseStore& store_;
  EventHandler on_event_;
  TickHandler on_tick_;
  std::vector<InterfaceInfo> ifaces_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<UniqueFd> udp_;  // one per port in ports_
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer commit_timer_;
  std::chrono::milliseconds commit_delay_;
  bool commit_armed_ = false;
  TimePoint last_commit_{};
  std::vector<Pending> waiting_;  // replies waiting for the next commit
  // The write in progress (fsync off the loop, so TFTP and DHCP go on meanwhile).
  boost::asio::thread_pool writer_{1};
  bool writing_ = false;
  bool commit_again_ = false;      // changes arrived during the write
  std::vector<Pending> in_write_;  // replies waiting for the running write
  dhcp::LeaseChanges write_changes_;
  Result<Ok, dhcp::StoreError> write_result_ = Ok{};
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);  // expires at stop()
  std::vector<std::uint8_t> rx_buffer_;
  std::vector<std::uint8_t> tx_buffer_;
  std::vector<Pending> pending_;
  std::uint16_t ip_id_ = 0;
  bool stopped_ = false;
  DhcpSocketStats stats_;
};

}  // namespace bootgate::net
