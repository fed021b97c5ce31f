#pragma once
// One server-side transfer (RRQ or WRQ) after the request was accepted.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/common/clock.hpp"
#include "core/common/endpoint.hpp"
#include "core/common/tx_batch.hpp"
#include "core/tftp/options.hpp"
#include "core/tftp/transfer.hpp"

namespace bootgate::tftp {

enum class Outcome {
  active,
  completed,
  probe,         // client ended after the OACK with error 8: UEFI firmware asking for tsize only
  client_error,  // client sent an ERROR
  timed_out,     // retries exhausted
  refused,       // never started: bad request, limit, missing file...
  failed,        // server-side failure mid-transfer (disk full, read error, protocol violation)
};
std::string_view to_string(Outcome o);

// One log line per transfer is made from this.
struct TransferRecord {
  Endpoint peer;
  std::string filename;
  Opcode op = Opcode::rrq;
  Mode mode = Mode::octet;
  std::string options;  // negotiated, "blksize=1468 windowsize=64"
  std::uint64_t bytes = 0;
  Duration duration{};
  Outcome outcome = Outcome::active;
  std::string detail;
};

struct SessionSetup {
  std::uint64_t flow = 0;
  Endpoint peer;
  Request request;
  std::string path;  // normalized
  Negotiated negotiated;
  Duration timeout{};
  int retries = 5;
  std::uint16_t rollover = 0;
  std::unique_ptr<ReadableFile> file;  // RRQ
  std::unique_ptr<Upload> upload;      // WRQ
  std::uint64_t max_upload = 0;        // WRQ
};

class Session {
 public:
  // Sends the first packet (OACK, DATA 1 or ACK 0).
  Session(SessionSetup setup, TimePoint now, TxBatch& tx);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void on_datagram(TimePoint now, const Endpoint& from, std::span<const std::uint8_t> bytes, TxBatch& tx);
  void on_timeout(TimePoint now, TxBatch& tx);

  std::uint64_t flow() const { return s_.flow; }
  const Endpoint& peer() const { return s_.peer; }
  bool finished() const { return state_ == State::done; }
  // The outcome is known: finished, or an upload committed and only lingering to re-ACK.
  bool outcome_known() const { return state_ == State::done || state_ == State::dallying; }
  bool recorded = false;  // the server has logged and counted it
  std::optional<TimePoint> deadline() const;
  TransferRecord record() const;

 private:
  enum class State { oack_sent, sending, receiving, dallying, done };
  class UploadSink;

  Emitter emitter(TxBatch& tx) { return Emitter{tx, s_.flow, s_.peer}; }
  void send_oack(Emitter& out);
  void arm(TimePoint now) { deadline_ = now + timeout_; }
  void progress(TimePoint now);
  void finish(TimePoint now, Outcome outcome, std::string detail);
  void fail(TimePoint now, Emitter& out, ErrorCode code, std::string message);
  void on_ack(TimePoint now, std::uint16_t block, Emitter& out);
  void on_data(TimePoint now, std::uint16_t block, std::span<const std::uint8_t> payload, Emitter& out);

  SessionSetup s_;
  State state_;
  Duration timeout_;
  TimePoint started_;
  TimePoint ended_{};
  TimePoint deadline_{};
  int retries_left_;
  Outcome outcome_ = Outcome::active;
  std::string detail_;
  std::unique_ptr<BlockSource> source_;
  std::unique_ptr<UploadSink> sink_;
  std::optional<Sender> sender_;
  std::optional<Receiver> receiver_;
};

}  // namespace bootgate::tftp
