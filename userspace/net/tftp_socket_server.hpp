#pragma once
// Drives tftp::Server from kernel UDP sockets on one Asio thread: listening sockets (IPv4/IPv6,
// with IP_PKTINFO so replies leave from the address the client used), one socket per transfer
// (a fresh TID, optionally from a port range) or single-port mode, recvmmsg/sendmmsg batching.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "config/tftp_config.hpp"
#include "core/tftp/server.hpp"
#include "net/socket_util.hpp"

namespace bootgate::net {

namespace asio = boost::asio;

struct DatapathStats {
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_dropped = 0;  // socket buffer full: the retransmit timer recovers
  std::uint64_t no_port = 0;     // port_range exhausted
};

class TftpSocketServer {
 public:
  using RecordHandler = std::function<void(const tftp::TransferRecord&)>;

  // Binds every listen address now; throws std::system_error naming the one that failed.
  TftpSocketServer(asio::io_context& io, const config::TftpSection& cfg, tftp::FileSystem& files,
                   RecordHandler on_record);
  ~TftpSocketServer();
  TftpSocketServer(const TftpSocketServer&) = delete;
  TftpSocketServer& operator=(const TftpSocketServer&) = delete;

  std::vector<Endpoint> listening() const;
  // New engine options and port range for new transfers; running transfers keep theirs.
  void reload(const config::TftpSection& cfg);
  // Stop accepting requests; running transfers go on until they end.
  void stop_listening();
  std::size_t active() const { return engine_.active(); }
  const tftp::ServerStats& stats() const { return engine_.stats(); }
  const DatapathStats& datapath_stats() const { return dstats_; }

 private:
  struct Listener {
    Listener(asio::io_context& io, const asio::ip::udp& proto, int fd, Endpoint b) : sock(io, proto, fd), bound(b) {}
    asio::ip::udp::socket sock;
    Endpoint bound;
  };
  struct Flow {
    std::optional<asio::ip::udp::socket> sock;  // none in single-port mode
    std::size_t listener = 0;                   // where single-port replies leave
    Endpoint local;
  };
  class Batches;

  void arm_listener(std::size_t i);
  void arm_flow(std::uint64_t id);
  void drain_listener(std::size_t i);
  void drain_flow(std::uint64_t id);
  // Both return false when they stopped at their batch bound with data still queued: epoll is
  // edge-triggered under Asio, so the caller must come back by itself rather than wait for an edge.
  bool on_listener_readable(std::size_t i);
  bool on_flow_readable(std::uint64_t id);
  void on_timer();
  bool open_flow_socket(Flow& flow);
  // Sends everything the engine queued. Flow-0 packets leave `listener` from `local`.
  void flush(std::size_t listener, const Endpoint& local);
  void schedule();

  asio::io_context& io_;
  config::TftpSection cfg_;
  tftp::Server engine_;
  RecordHandler on_record_;
  std::deque<Listener> listeners_;  // deque: sockets never move once listening
  std::unordered_map<std::uint64_t, Flow> flows_;
  asio::steady_timer timer_;
  std::optional<TimePoint> armed_for_;
  MtuCache mtu_;
  std::uint32_t next_port_ = 0;
  std::unique_ptr<Batches> io_bufs_;
  DatapathStats dstats_;
};

}  // namespace bootgate::net
