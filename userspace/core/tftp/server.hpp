#pragma once
// The TFTP server engine: requests in, sessions, timers, packets out. No sockets and no clock:
// a datapath calls on_*() with `now`, sends what tx() holds, closes what take_closed() names,
// and wakes it at next_deadline().
#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/endpoint.hpp"
#include "core/common/tx_batch.hpp"
#include "core/tftp/file_system.hpp"
#include "core/tftp/server_options.hpp"
#include "core/tftp/session.hpp"

namespace bootgate::tftp {

// Counters the datapath exports as metrics.
struct ServerStats {
  std::uint64_t requests = 0;
  std::uint64_t refused = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t probes = 0;
  std::uint64_t malformed = 0;
  std::uint64_t duplicate_requests = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

class Server {
 public:
  static constexpr std::uint64_t kListenFlow = 0;

  Server(ServerOptions options, FileSystem& files);
  ~Server();

  // New options apply to transfers that start afterwards (SIGHUP reload).
  void set_options(ServerOptions options) { options_ = std::move(options); }
  const ServerOptions& options() const { return options_; }

  // A datagram to the listening port. `path_mtu` is the MTU toward the client (0: unknown).
  // Returns the flow of a transfer that just started: in per-transfer-socket mode the datapath
  // opens its socket now, before sending tx().
  std::optional<std::uint64_t> on_listen_datagram(TimePoint now, const Endpoint& from, const Endpoint& local,
                                                  std::uint32_t path_mtu, std::span<const std::uint8_t> bytes);
  // A datagram on a transfer's own socket.
  void on_flow_datagram(TimePoint now, std::uint64_t flow, const Endpoint& from, std::span<const std::uint8_t> bytes);
  void on_timeout(TimePoint now);
  // The datapath could not serve a flow (no free port): the client is told from the listening port.
  void abort(std::uint64_t flow, const std::string& reason);

  std::optional<TimePoint> next_deadline();
  TxBatch& tx() { return tx_; }
  std::vector<std::uint64_t> take_closed() { return std::exchange(closed_, {}); }
  std::vector<TransferRecord> take_records() { return std::exchange(records_, {}); }

  std::size_t active() const { return sessions_.size(); }
  const ServerStats& stats() const { return stats_; }

 private:
  void refuse(const Endpoint& to, const Request* req, ErrorCode code, std::string message);
  std::optional<std::uint64_t> start(TimePoint now, const Endpoint& from, std::uint32_t path_mtu, bool v6, Request req);
  // Logs and counts a session whose outcome became known; forgets it once it is finished.
  void after(Session& s);

  ServerOptions options_;
  FileSystem& files_;
  TxBatch tx_;
  std::uint64_t next_flow_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  std::unordered_map<Endpoint, std::uint64_t, EndpointHash> by_peer_;
  std::unordered_map<IpAddress, std::size_t, IpAddressHash> per_client_;
  // One entry per session at most: when popped early it is pushed again at the real deadline.
  using Timer = std::pair<TimePoint, std::uint64_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<std::uint64_t> closed_;
  std::vector<TransferRecord> records_;
  ServerStats stats_;
};

}  // namespace bootgate::tftp
