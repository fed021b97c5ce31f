#include "core/tftp/server.hpp"

#include <variant>

namespace bootgate::tftp {

Server::Server(ServerOptions options, FileSystem& files) : options_(std::move(options)), files_(files) {}
Server::~Server() = default;

void Server::refuse(const Endpoint& to, const Request* req, ErrorCode code, std::string message) {
  Emitter out{tx_, kListenFlow, to};
  out.error(code, message);
  ++stats_.refused;
  if (req) {
    TransferRecord r;
    r.peer = to;
    r.filename = req->filename;
    r.op = req->op;
    r.mode = req->mode;
    r.options = describe(req->options);
    r.outcome = Outcome::refused;
    r.detail = "error " + std::to_string(static_cast<int>(code)) + " (" + message + ")";
    records_.push_back(std::move(r));
  }
}

std::optional<std::uint64_t> Server::on_listen_datagram(TimePoint now, const Endpoint& from, const Endpoint& local,
                                                        std::uint32_t path_mtu, std::span<const std::uint8_t> bytes) {
  if (auto it = by_peer_.find(from); it != by_peer_.end()) {
    if (options_.single_port) {
      on_flow_datagram(now, it->second, from, bytes);
    } else {
      ++stats_.duplicate_requests;  // the client retransmitted its request: one transfer is enough
    }
    return std::nullopt;
  }
  auto parsed = parse(bytes);
  if (!parsed) {
    ++stats_.malformed;
    refuse(from, nullptr, ErrorCode::illegal_operation, "malformed request: " + std::string(to_string(parsed.error())));
    return std::nullopt;
  }
  auto* req = std::get_if<Request>(&parsed.value());
  if (!req) {
    if (std::holds_alternative<Error>(parsed.value())) return std::nullopt;  // never answer an error with one
    refuse(from, nullptr, ErrorCode::unknown_tid, "unknown transfer ID");
    return std::nullopt;
  }
  ++stats_.requests;
  return start(now, from, path_mtu, local.ip.v6, std::move(*req));
}

std::optional<std::uint64_t> Server::start(TimePoint now, const Endpoint& from, std::uint32_t path_mtu, bool v6,
                                           Request req) {
  if (req.mode == Mode::mail) {
    refuse(from, &req, ErrorCode::illegal_operation, "mail mode is not supported");
    return std::nullopt;
  }
  if (req.op == Opcode::wrq && !options_.uploads.enabled) {
    refuse(from, &req, ErrorCode::access_violation, "uploads are disabled (uploads.enabled)");
    return std::nullopt;
  }
  if (sessions_.size() >= options_.max_transfers) {
    refuse(from, &req, ErrorCode::not_defined,
           "server busy: max_transfers (" + std::to_string(options_.max_transfers) + ") reached");
    return std::nullopt;
  }
  const auto pc = per_client_.find(from.ip);
  const std::size_t count = pc == per_client_.end() ? 0 : pc->second;
  if (count >= options_.max_transfers_per_client) {
    refuse(from, &req, ErrorCode::not_defined,
           "too many transfers from this address: max_transfers_per_client (" +
               std::to_string(options_.max_transfers_per_client) + ") reached");
    return std::nullopt;
  }
  auto path = normalize_filename(req.filename, options_.names);
  if (!path) {
    refuse(from, &req, ErrorCode::access_violation, path.error());
    return std::nullopt;
  }

  SessionSetup setup;
  NegotiationLimits limits;
  limits.max_blksize = options_.max_blksize;
  limits.max_windowsize = options_.max_windowsize;
  limits.tsize = options_.tsize;
  if (path_mtu > 0 && !options_.allow_ip_fragments) {
    const std::uint32_t headers = (v6 ? 40 : 20) + 8 + 4;
    limits.path_blksize = static_cast<std::uint16_t>(path_mtu > headers + 8 ? std::min<std::uint32_t>(path_mtu - headers, kMaxBlockSize) : 8);
  }
  if (req.op == Opcode::rrq) {
    auto file = files_.open_read(*path);
    if (!file) {
      const bool missing = file.error() == FsError::not_found;
      refuse(from, &req, missing ? ErrorCode::file_not_found : ErrorCode::access_violation,
             missing ? "file not found" : std::string(to_string(file.error())));
        return std::nullopt;
    }
    std::optional<std::uint64_t> size;
    if (req.mode == Mode::octet) size = (*file)->size();
    setup.negotiated = negotiate(req, limits, size);
    setup.file = std::move(file.value());
  } else {
    setup.negotiated = negotiate(req, limits, std::nullopt);
    const auto announced = setup.negotiated.tsize.value_or(0);
    if (announced > options_.uploads.max_size) {
      refuse(from, &req, ErrorCode::disk_full,
             "tsize " + std::to_string(announced) + " exceeds uploads.max_size (" +
                 std::to_string(options_.uploads.max_size) + ")");
        return std::nullopt;
    }
    auto upload = files_.create_upload(*path, UploadRequest{options_.uploads.overwrite, announced});
    if (!upload) {
      const auto e = upload.error();
      const auto code = e == FsError::exists ? ErrorCode::file_exists
                        : e == FsError::no_space ? ErrorCode::disk_full
                        : e == FsError::not_found ? ErrorCode::file_not_found
                                                  : ErrorCode::access_violation;
      refuse(from, &req, code, std::string(to_string(e)));
        return std::nullopt;
    }
    setup.upload = std::move(upload.value());
    setup.max_upload = options_.uploads.max_size;
  }

  const auto flow = next_flow_++;
  setup.flow = flow;
  setup.peer = from;
  setup.path = *path;
  setup.request = std::move(req);
  setup.timeout = options_.timeout;
  setup.retries = options_.retries;
  setup.rollover = options_.rollover;
  auto session = std::make_unique<Session>(std::move(setup), now, tx_);
  auto& s = *session;
  sessions_.emplace(flow, std::move(session));
  by_peer_.emplace(from, flow);
  ++per_client_[from.ip];
  if (auto d = s.deadline()) timers_.emplace(*d, flow);
  after(s);
  return flow;
}

void Server::on_flow_datagram(TimePoint now, std::uint64_t flow, const Endpoint& from, std::span<const std::uint8_t> bytes) {
  auto it = sessions_.find(flow);
  if (it == sessions_.end()) return;
  it->second->on_datagram(now, from, bytes, tx_);
  after(*it->second);
}

void Server::after(Session& s) {
  if (s.outcome_known() && !s.recorded) {
    s.recorded = true;
    auto rec = s.record();
    switch (rec.outcome) {
      case Outcome::completed: ++stats_.completed; break;
      case Outcome::probe: ++stats_.probes; break;
      case Outcome::timed_out: ++stats_.timed_out; break;
      default: ++stats_.failed; break;
    }
    (rec.op == Opcode::rrq ? stats_.bytes_sent : stats_.bytes_received) += rec.bytes;
    records_.push_back(std::move(rec));
  }
  if (!s.finished()) return;
  const auto flow = s.flow();
  const auto peer = s.peer();
  by_peer_.erase(peer);
  if (auto c = per_client_.find(peer.ip); c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  closed_.push_back(flow);
  sessions_.erase(flow);  // `s` is gone after this line
}

void Server::on_timeout(TimePoint now) {
  while (!timers_.empty() && timers_.top().first <= now) {
    const auto flow = timers_.top().second;
    timers_.pop();
    auto it = sessions_.find(flow);
    if (it == sessions_.end()) continue;
    auto& s = *it->second;
    s.on_timeout(now, tx_);
    if (auto d = s.deadline()) timers_.emplace(*d, flow);
    after(s);
  }
}

void Server::abort(std::uint64_t flow, const std::string& reason) {
  auto it = sessions_.find(flow);
  if (it == sessions_.end()) return;
  const auto peer = it->second->peer();
  refuse(peer, nullptr, ErrorCode::not_defined, reason);
  by_peer_.erase(peer);
  if (auto c = per_client_.find(peer.ip); c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  closed_.push_back(flow);
  sessions_.erase(it);
}

std::optional<TimePoint> Server::next_deadline() {
  // Drop entries of sessions that are gone so the top is a real wake-up.
  while (!timers_.empty() && !sessions_.count(timers_.top().second)) timers_.pop();
  if (timers_.empty()) return std::nullopt;
  return timers_.top().first;
}

}  // namespace bootgate::tftp
