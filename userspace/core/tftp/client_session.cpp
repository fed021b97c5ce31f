#include "core/tftp/client_session.hpp"

#include <variant>

namespace bootgate::tftp {

ClientSession::ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, Opcode op,
                             const ClientOptions& options)
    : options_(options), peer_(server), retries_left_(options.retries) {
  request_.op = op;
  request_.filename = remote;
  request_.mode = options.mode;
  if (options.blksize) request_.options.push_back({"blksize", std::to_string(options.blksize)});
  if (options.windowsize) request_.options.push_back({"windowsize", std::to_string(options.windowsize)});
  if (options.timeout_s) {
    request_.options.push_back({"timeout", std::to_string(options.timeout_s)});
    options_.timeout = std::chrono::seconds(options.timeout_s);
  }
  deadline_ = now + options_.timeout;
}

ClientSession::ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, BlockSink& sink,
                             const ClientOptions& options, TxBatch& tx)
    : ClientSession(now, server, remote, Opcode::rrq, options) {
  sink_ = &sink;
  if (options.tsize && options.mode == Mode::octet) request_.options.push_back({"tsize", "0"});
  send_request(tx);
}

ClientSession::ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, ReadableFile& file,
                             const ClientOptions& options, TxBatch& tx)
    : ClientSession(now, server, remote, Opcode::wrq, options) {
  file_ = &file;
  if (options.tsize && options.mode == Mode::octet) {
    request_.options.push_back({"tsize", std::to_string(file.size())});
    total_ = file.size();
  }
  send_request(tx);
}

void ClientSession::send_request(TxBatch& tx) {
  Emitter out{tx, 0, peer_};
  out.commit(encode_request(request_, out.reserve(encoded_size(request_))));
}

std::optional<TimePoint> ClientSession::deadline() const {
  if (state_ == State::done) return std::nullopt;
  return deadline_;
}

std::uint64_t ClientSession::bytes() const {
  if (sender_) return sender_->bytes_acked();
  if (receiver_) return receiver_->bytes();
  return 0;
}

void ClientSession::fail(std::string message) {
  state_ = State::done;
  error_ = std::move(message);
}

void ClientSession::start_transfer(Emitter& out) {
  const auto blksize = negotiated_.blksize;
  const auto window = negotiated_.windowsize;
  state_ = State::transferring;
  if (request_.op == Opcode::rrq) {
    if (negotiated_.tsize) total_ = negotiated_.tsize;
    receiver_.emplace(*sink_, blksize, window, options_.rollover);
  } else {
    if (options_.mode == Mode::netascii) source_ = std::make_unique<NetasciiSource>(*file_, blksize);
    else source_ = std::make_unique<OctetSource>(*file_, blksize);
    sender_.emplace(*source_, blksize, window, options_.rollover);
    if (!sender_->fill(out)) {
      out.error(ErrorCode::not_defined, "local read failed");
      fail("reading the local file failed: " + std::string(to_string(sender_->error())));
    }
  }
}

void ClientSession::on_datagram(TimePoint now, const Endpoint& from, std::span<const std::uint8_t> bytes, TxBatch& tx) {
  if (state_ == State::done) return;
  if (!peer_known_) {
    // The server answers from a new port (its TID); the address must be the one we asked.
    if (from.ip != peer_.ip) return;
    peer_ = from;
    peer_known_ = true;
  } else if (from != peer_) {
    Emitter stranger{tx, 0, from};
    stranger.error(ErrorCode::unknown_tid, "unknown transfer ID");
    return;
  }
  auto out = emitter(tx);
  auto parsed = parse(bytes);
  if (!parsed) return;
  auto& pkt = parsed.value();

  if (auto* err = std::get_if<Error>(&pkt)) {
    return fail("server error " + std::to_string(static_cast<int>(err->code)) + " (" +
                std::string(to_string(err->code)) + (err->message.empty() ? "" : ": " + err->message) + ")");
  }
  if (state_ == State::requesting) {
    if (auto* oack = std::get_if<OAck>(&pkt)) {
      auto accepted = accept_oack(request_, oack->options);
      if (!accepted) {
        out.error(ErrorCode::option_refused, accepted.error());
        return fail(accepted.error());
      }
      negotiated_ = std::move(accepted.value());
      start_transfer(out);
      if (receiver_) receiver_->send_ack(out);  // ACK 0 confirms the OACK
    } else if (auto* ack = std::get_if<Ack>(&pkt); ack && request_.op == Opcode::wrq && ack->block == 0) {
      negotiated_ = Negotiated{};  // server ignored our options
      start_transfer(out);
    } else if (auto* data = std::get_if<Data>(&pkt); data && request_.op == Opcode::rrq) {
      negotiated_ = Negotiated{};
      start_transfer(out);
      state_ = State::transferring;
      // fall through to the transfer handling below with this first DATA
    } else {
      return;
    }
    retries_left_ = options_.retries;
    deadline_ = now + options_.timeout;
    if (state_ != State::transferring || !std::holds_alternative<Data>(pkt)) return;
  }

  if (auto* data = std::get_if<Data>(&pkt); data && receiver_) {
    switch (receiver_->on_data(data->block, data->payload, out)) {
      case Receiver::DataKind::complete: state_ = State::done; return;
      case Receiver::DataKind::accepted:
        retries_left_ = options_.retries;
        deadline_ = now + options_.timeout;
        return;
      case Receiver::DataKind::out_of_order: return;
      case Receiver::DataKind::oversized:
        out.error(ErrorCode::illegal_operation, "block larger than blksize");
        return fail("server sent a block larger than the negotiated blksize");
      case Receiver::DataKind::failed:
        out.error(ErrorCode::disk_full, "local write failed");
        return fail("writing the local file failed: " + std::string(to_string(receiver_->error())));
    }
  }
  if (auto* ack = std::get_if<Ack>(&pkt); ack && sender_) {
    switch (sender_->on_ack(ack->block, out)) {
      case Sender::AckKind::complete: state_ = State::done; return;
      case Sender::AckKind::advanced:
      case Sender::AckKind::rewound:
        retries_left_ = options_.retries;
        deadline_ = now + options_.timeout;
        return;
      case Sender::AckKind::stale: return;
      case Sender::AckKind::failed:
        out.error(ErrorCode::not_defined, "local read failed");
        return fail("reading the local file failed");
    }
  }
}

void ClientSession::on_timeout(TimePoint now, TxBatch& tx) {
  if (state_ == State::done || now < deadline_) return;
  if (retries_left_-- <= 0) return fail("timed out: no answer from " + peer_.to_string());
  deadline_ = now + options_.timeout;
  auto out = emitter(tx);
  if (state_ == State::requesting) return send_request(tx);
  if (receiver_) return receiver_->send_ack(out);
  if (sender_ && !sender_->retransmit(out)) fail("reading the local file failed");
}

}  // namespace bootgate::tftp
