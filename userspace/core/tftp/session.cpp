#include "core/tftp/session.hpp"

#include <variant>

namespace bootgate::tftp {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::active: return "active";
    case Outcome::completed: return "completed";
    case Outcome::probe: return "probe";
    case Outcome::client_error: return "client-error";
    case Outcome::timed_out: return "timeout";
    case Outcome::refused: return "refused";
    case Outcome::failed: return "failed";
  }
  return "?";
}

// Received data → the upload, through netascii decoding and the size limits.
class Session::UploadSink final : public BlockSink {
 public:
  UploadSink(Upload& upload, Mode mode, std::uint64_t max_size, std::optional<std::uint64_t> announced)
      : upload_(upload), mode_(mode), max_(max_size), announced_(announced) {}

  Result<Ok, FsError> write(std::span<const std::uint8_t> data) override {
    if (mode_ == Mode::netascii) {
      decoded_.clear();
      decoder_.decode(data, decoded_);
      data = decoded_;
    }
    return put(data);
  }

  Result<Ok, FsError> finish() override {
    if (mode_ == Mode::netascii) {
      decoded_.clear();
      decoder_.finish(decoded_);
      if (auto r = put(decoded_); !r) return r;
    }
    if (announced_ && mode_ == Mode::octet && written_ != *announced_) return Unexpected{FsError::size_mismatch};
    return upload_.commit();
  }

 private:
  Result<Ok, FsError> put(std::span<const std::uint8_t> data) {
    if (written_ + data.size() > max_) return Unexpected{FsError::too_large};
    if (announced_ && mode_ == Mode::octet && written_ + data.size() > *announced_)
      return Unexpected{FsError::size_mismatch};
    written_ += data.size();
    return data.empty() ? Result<Ok, FsError>(Ok{}) : upload_.write(data);
  }

  Upload& upload_;
  Mode mode_;
  std::uint64_t max_;
  std::optional<std::uint64_t> announced_;
  std::uint64_t written_ = 0;
  NetasciiDecoder decoder_;
  std::vector<std::uint8_t> decoded_;
};

namespace {

ErrorCode error_for(FsError e) {
  switch (e) {
    case FsError::not_found: return ErrorCode::file_not_found;
    case FsError::access_denied: return ErrorCode::access_violation;
    case FsError::exists: return ErrorCode::file_exists;
    case FsError::no_space:
    case FsError::too_large: return ErrorCode::disk_full;
    case FsError::size_mismatch: return ErrorCode::illegal_operation;
    case FsError::io_error: return ErrorCode::not_defined;
  }
  return ErrorCode::not_defined;
}

}  // namespace

Session::Session(SessionSetup setup, TimePoint now, TxBatch& tx)
    : s_(std::move(setup)),
      state_(State::done),
      timeout_(s_.negotiated.timeout_s ? Duration(std::chrono::seconds(*s_.negotiated.timeout_s)) : s_.timeout),
      started_(now),
      retries_left_(s_.retries) {
  auto out = emitter(tx);
  const auto blksize = s_.negotiated.blksize;
  const auto window = s_.negotiated.windowsize;
  if (s_.request.op == Opcode::rrq) {
    if (s_.request.mode == Mode::netascii) source_ = std::make_unique<NetasciiSource>(*s_.file, blksize);
    else source_ = std::make_unique<OctetSource>(*s_.file, blksize);
    sender_.emplace(*source_, blksize, window, s_.rollover);
    if (!s_.negotiated.oack.empty()) {
      state_ = State::oack_sent;
      send_oack(out);
    } else {
      state_ = State::sending;
      if (!sender_->fill(out)) {
        fail(now, out, error_for(sender_->error()), "read failed");
        return;
      }
    }
  } else {
    sink_ = std::make_unique<UploadSink>(*s_.upload, s_.request.mode, s_.max_upload, s_.negotiated.tsize);
    receiver_.emplace(*sink_, blksize, window, s_.rollover);
    state_ = State::receiving;
    if (!s_.negotiated.oack.empty()) send_oack(out);
    else receiver_->send_ack(out);
  }
  arm(now);
}

Session::~Session() = default;

void Session::send_oack(Emitter& out) {
  const auto& opts = s_.negotiated.oack;
  out.commit(encode_oack(opts, out.reserve(encoded_oack_size(opts))));
}

std::optional<TimePoint> Session::deadline() const {
  if (state_ == State::done) return std::nullopt;
  return deadline_;
}

void Session::progress(TimePoint now) {
  retries_left_ = s_.retries;
  arm(now);
}

void Session::finish(TimePoint now, Outcome outcome, std::string detail) {
  state_ = State::done;
  outcome_ = outcome;
  detail_ = std::move(detail);
  ended_ = now;
  s_.upload.reset();  // an upload not committed by now is discarded here
}

void Session::fail(TimePoint now, Emitter& out, ErrorCode code, std::string message) {
  out.error(code, message);
  finish(now, Outcome::failed, std::string(to_string(code)) + ": " + message);
}

void Session::on_datagram(TimePoint now, const Endpoint& from, std::span<const std::uint8_t> bytes, TxBatch& tx) {
  if (state_ == State::done) return;
  if (from != s_.peer) {
    // Someone else on our port: tell them, and carry on with the real peer (RFC 1350 §4).
    Emitter stranger{tx, s_.flow, from};
    stranger.error(ErrorCode::unknown_tid, "unknown transfer ID");
    return;
  }
  auto out = emitter(tx);
  auto parsed = parse(bytes);
  if (!parsed) return;  // garbage from the peer: ignore, the timer still runs
  auto& pkt = parsed.value();
  if (auto* ack = std::get_if<Ack>(&pkt)) return on_ack(now, ack->block, out);
  if (auto* data = std::get_if<Data>(&pkt)) return on_data(now, data->block, data->payload, out);
  if (auto* err = std::get_if<Error>(&pkt)) {
    const auto text = std::string(to_string(err->code)) + (err->message.empty() ? "" : ": " + err->message);
    if (state_ == State::oack_sent && err->code == ErrorCode::option_refused)
      return finish(now, Outcome::probe, "client closed after OACK (" + text + ")");
    if (state_ == State::dallying) return finish(now, Outcome::completed, "");
    return finish(now, Outcome::client_error, "client sent error " +
                                                   std::to_string(static_cast<int>(err->code)) + " (" + text + ")");
  }
  if (std::holds_alternative<Request>(pkt)) return;  // a retransmitted request on our port: already serving it
  fail(now, out, ErrorCode::illegal_operation, "unexpected packet");
}

void Session::on_ack(TimePoint now, std::uint16_t block, Emitter& out) {
  if (state_ == State::oack_sent) {
    if (block != 0) return;  // only ACK 0 confirms the OACK
    state_ = State::sending;
    progress(now);
    if (!sender_->fill(out)) fail(now, out, error_for(sender_->error()), "read failed");
    return;
  }
  if (state_ != State::sending) {
    if (state_ == State::receiving || state_ == State::dallying) fail(now, out, ErrorCode::illegal_operation, "ACK during upload");
    return;
  }
  switch (sender_->on_ack(block, out)) {
    case Sender::AckKind::complete: return finish(now, Outcome::completed, "");
    case Sender::AckKind::advanced:
    case Sender::AckKind::rewound: return progress(now);
    case Sender::AckKind::stale: return;
    case Sender::AckKind::failed: return fail(now, out, error_for(sender_->error()), "read failed");
  }
}

void Session::on_data(TimePoint now, std::uint16_t block, std::span<const std::uint8_t> payload, Emitter& out) {
  if (state_ != State::receiving && state_ != State::dallying)
    return fail(now, out, ErrorCode::illegal_operation, "DATA during download");
  switch (receiver_->on_data(block, payload, out)) {
    case Receiver::DataKind::accepted: return progress(now);
    case Receiver::DataKind::complete:
      state_ = State::dallying;  // linger to re-ACK the last block if our ACK is lost
      outcome_ = Outcome::completed;
      ended_ = now;
      return progress(now);
    case Receiver::DataKind::out_of_order: return;
    case Receiver::DataKind::oversized:
      return fail(now, out, ErrorCode::illegal_operation, "block larger than the negotiated blksize");
    case Receiver::DataKind::failed: {
      const auto e = receiver_->error();
      std::string why = std::string(to_string(e));
      if (e == FsError::too_large) why = "upload exceeds uploads.max_size (" + std::to_string(s_.max_upload) + " bytes)";
      return fail(now, out, error_for(e), why);
    }
  }
}

void Session::on_timeout(TimePoint now, TxBatch& tx) {
  if (state_ == State::done || now < deadline_) return;
  if (state_ == State::dallying) {
    state_ = State::done;  // outcome (completed) and end time were set when the last block arrived
    return;
  }
  if (retries_left_-- <= 0) {
    std::string why = "no answer after " + std::to_string(s_.retries) + " retries";
    if (sender_ && sender_->all_sent()) why += "; the last block was sent, only its ACK is missing";
    return finish(now, Outcome::timed_out, why);
  }
  auto out = emitter(tx);
  arm(now);
  switch (state_) {
    case State::oack_sent: return send_oack(out);
    case State::sending:
      if (!sender_->retransmit(out)) fail(now, out, error_for(sender_->error()), "read failed");
      return;
    case State::receiving:
      if (!receiver_->started() && !s_.negotiated.oack.empty()) return send_oack(out);
      return receiver_->send_ack(out);
    default: return;
  }
}

TransferRecord Session::record() const {
  TransferRecord r;
  r.peer = s_.peer;
  r.filename = s_.path;
  r.op = s_.request.op;
  r.mode = s_.request.mode;
  r.options = describe(s_.negotiated.oack);
  r.bytes = sender_ ? sender_->bytes_acked() : receiver_ ? receiver_->bytes() : 0;
  r.duration = (state_ == State::done || state_ == State::dallying ? ended_ : started_) - started_;
  r.outcome = state_ == State::dallying ? Outcome::completed : outcome_;
  r.detail = detail_;
  return r;
}

}  // namespace bootgate::tftp
