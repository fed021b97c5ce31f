#pragma once
// The client side of one transfer (get or put), on the same codec, Sender/Receiver and
// retransmit policy as the server.
#include <cstdint>
#include <optional>
#include <string>

#include "core/common/clock.hpp"
#include "core/common/endpoint.hpp"
#include "core/common/tx_batch.hpp"
#include "core/tftp/options.hpp"
#include "core/tftp/transfer.hpp"

namespace bootgate::tftp {

struct ClientOptions {
  std::uint16_t blksize = 0;     // 0: do not ask (512)
  std::uint16_t windowsize = 0;  // 0: do not ask (1)
  std::uint8_t timeout_s = 0;    // 0: do not ask; retransmit after `timeout`
  Duration timeout = std::chrono::seconds(1);
  int retries = 5;
  bool tsize = true;
  Mode mode = Mode::octet;
  std::uint16_t rollover = 0;
};

class ClientSession {
 public:
  // Download `remote` into `sink`.
  ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, BlockSink& sink,
                const ClientOptions& options, TxBatch& tx);
  // Upload `file` as `remote`.
  ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, ReadableFile& file,
                const ClientOptions& options, TxBatch& tx);

  void on_datagram(TimePoint now, const Endpoint& from, std::span<const std::uint8_t> bytes, TxBatch& tx);
  void on_timeout(TimePoint now, TxBatch& tx);

  bool finished() const { return state_ == State::done; }
  bool succeeded() const { return finished() && error_.empty(); }
  const std::string& error() const { return error_; }
  std::optional<TimePoint> deadline() const;
  std::uint64_t bytes() const;
  std::optional<std::uint64_t> total_size() const { return total_; }  // from tsize, when known
  const Negotiated& negotiated() const { return negotiated_; }

 private:
  enum class State { requesting, transferring, done };
  ClientSession(TimePoint now, const Endpoint& server, const std::string& remote, Opcode op,
                const ClientOptions& options);
  Emitter emitter(TxBatch& tx) { return Emitter{tx, 0, peer_}; }
  void send_request(TxBatch& tx);
  void start_transfer(Emitter& out);
  void fail(std::string message);

  ClientOptions options_;
  Request request_;
  Endpoint peer_;
  bool peer_known_ = false;
  State state_ = State::requesting;
  TimePoint deadline_{};
  int retries_left_;
  std::string error_;
  Negotiated negotiated_;
  std::optional<std::uint64_t> total_;
  BlockSink* sink_ = nullptr;
  ReadableFile* file_ = nullptr;
  std::unique_ptr<BlockSource> source_;
  std::optional<Sender> sender_;
  std::optional<Receiver> receiver_;
};

}  // namespace bootgate::tftp
