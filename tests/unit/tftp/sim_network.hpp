#pragma once
// A deterministic simulated network for engine tests: a TFTP server engine and any number of client
// engines exchange datagrams through a queue with seeded loss, duplication and reordering, on a
// virtual clock. Nothing here sleeps or touches a socket.
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "core/tftp/client_session.hpp"
#include "core/tftp/server.hpp"

namespace bootgate::tftp::test {

struct Impairment {
  double loss = 0;       // probability a datagram vanishes
  double duplicate = 0;  // probability it arrives twice
  double reorder = 0;    // probability it is delayed past later ones
};

// Collects a download in memory.
class MemorySink final : public BlockSink {
 public:
  std::vector<std::uint8_t> data;
  bool finished = false;
  Result<Ok, FsError> write(std::span<const std::uint8_t> d) override {
    data.insert(data.end(), d.begin(), d.end());
    return Ok{};
  }
  Result<Ok, FsError> finish() override {
    finished = true;
    return Ok{};
  }
};

class MemoryFile final : public ReadableFile {
 public:
  explicit MemoryFile(std::vector<std::uint8_t> d) : data(std::move(d)) {}
  std::vector<std::uint8_t> data;
  std::uint64_t size() const override { return data.size(); }
  Result<std::size_t, FsError> read_at(std::uint64_t off, std::span<std::uint8_t> out) override {
    if (off >= data.size()) return std::size_t{0};
    const auto n = std::min<std::size_t>(out.size(), data.size() - off);
    std::copy_n(data.begin() + static_cast<long>(off), n, out.begin());
    return n;
  }
};

class SimNetwork {
 public:
  static inline const Endpoint kServer = *Endpoint::parse("10.0.0.1:69", 69);
  static constexpr std::uint16_t kFlowPortBase = 20000;

  SimNetwork(Server& server, Impairment imp, std::uint32_t seed) : server_(server), imp_(imp), rng_(seed) {}

  TimePoint now = TimePoint{} + std::chrono::hours(1);
  std::uint64_t server_packets = 0;  // datagrams the server sent
  std::uint64_t client_packets = 0;
  std::uint64_t delivered = 0;

  // A client at `addr`; returns its index.
  std::size_t add_client(const Endpoint& addr, std::function<std::unique_ptr<ClientSession>(TxBatch&)> make) {
    clients_.push_back(Client{addr, nullptr, {}});
    auto& c = clients_.back();
    c.session = make(c.tx);
    drain_client(clients_.size() - 1);
    return clients_.size() - 1;
  }
  ClientSession& client(std::size_t i) { return *clients_[i].session; }

  // Injects a raw datagram from `from` to `to` (for hostile-peer tests).
  void inject(const Endpoint& from, const Endpoint& to, std::vector<std::uint8_t> bytes, Duration after = {}) {
    queue_.push(Packet{now + after, seq_++, from, to, std::move(bytes)});
  }
  // Datagrams delivered to `to`, an address that is neither server nor client (a hostile peer).
  std::vector<std::vector<std::uint8_t>> received_by(const Endpoint& to) const {
    std::vector<std::vector<std::uint8_t>> out;
    for (const auto& [ep, bytes] : log_)
      if (ep == to) out.push_back(bytes);
    return out;
  }

  // Runs until every client finished and the server is idle, or `max_events` pass.
  bool run(std::uint64_t max_events = 5'000'000) {
    for (std::uint64_t ev = 0; ev < max_events; ++ev) {
      std::optional<TimePoint> next;
      auto consider = [&](std::optional<TimePoint> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      if (!queue_.empty()) consider(queue_.top().at);
      consider(server_.next_deadline());
      for (auto& c : clients_) consider(c.session->deadline());
      if (!next) return true;
      now = std::max(now, *next);
      if (!queue_.empty() && queue_.top().at <= now) {
        auto p = queue_.top();
        queue_.pop();
        deliver(p);
        continue;
      }
      server_.on_timeout(now);
      drain_server();
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        clients_[i].session->on_timeout(now, clients_[i].tx);
        drain_client(i);
      }
    }
    return false;
  }

 private:
  struct Packet {
    TimePoint at;
    std::uint64_t seq;
    Endpoint from, to;
    std::vector<std::uint8_t> bytes;
    bool operator>(const Packet& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Client {
    Endpoint addr;
    std::unique_ptr<ClientSession> session;
    TxBatch tx;
  };

  void send(const Endpoint& from, const Endpoint& to, std::span<const std::uint8_t> bytes) {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng_) < imp_.loss) return;
    const int copies = u(rng_) < imp_.duplicate ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      auto delay = std::chrono::microseconds(100);
      if (u(rng_) < imp_.reorder) delay += std::chrono::microseconds(std::uniform_int_distribution<int>(100, 3000)(rng_));
      queue_.push(Packet{now + delay, seq_++, from, to, {bytes.begin(), bytes.end()}});
    }
  }

  void drain_server() {
    auto& tx = server_.tx();
    for (const auto& e : tx.entries()) {
      Endpoint from = kServer;
      if (e.flow != Server::kListenFlow && !server_.options().single_port)
        from.port = static_cast<std::uint16_t>(kFlowPortBase + e.flow);
      ++server_packets;
      send(from, e.to, tx.payload(e));
    }
    tx.clear();
    server_.take_closed();
    auto recs = server_.take_records();
    records.insert(records.end(), recs.begin(), recs.end());
  }

  void drain_client(std::size_t i) {
    auto& c = clients_[i];
    for (const auto& e : c.tx.entries()) {
      ++client_packets;
      send(c.addr, e.to, c.tx.payload(e));
    }
    c.tx.clear();
  }

  void deliver(const Packet& p) {
    ++delivered;
    if (p.to.ip == kServer.ip) {
      if (p.to.port == kServer.port) server_.on_listen_datagram(now, p.from, p.to, 0, p.bytes);
      else server_.on_flow_datagram(now, p.to.port - kFlowPortBase, p.from, p.bytes);
      drain_server();
      return;
    }
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i].addr == p.to) {
        clients_[i].session->on_datagram(now, p.from, p.bytes, clients_[i].tx);
        drain_client(i);
        return;
      }
    }
    log_.emplace_back(p.to, p.bytes);  // to nobody we simulate: a hostile or stray peer
  }

  Server& server_;
  Impairment imp_;
  std::mt19937 rng_;
  std::priority_queue<Packet, std::vector<Packet>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::vector<Client> clients_;
  std::vector<std::pair<Endpoint, std::vector<std::uint8_t>>> log_;

 public:
  std::vector<TransferRecord> records;
};

inline std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(g());
  return v;
}

}  // namespace bootgate::tftp::test
