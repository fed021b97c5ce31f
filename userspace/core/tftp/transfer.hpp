#pragma once
// The two halves of every TFTP transfer, shared by server sessions and client sessions:
// Sender streams DATA in windows (RFC 7440) and reacts to ACKs; Receiver takes DATA and ACKs.
// Blocks are counted with 64-bit indices; only the wire number rolls over.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "core/common/tx_batch.hpp"
#include "core/tftp/file_system.hpp"
#include "core/tftp/netascii.hpp"
#include "core/tftp/packet.hpp"

namespace bootgate::tftp {

// Wire block number for 64-bit block index `i` (index 0 is the ACK of a WRQ/OACK).
// After 65535 comes `rollover_to` (0, the common choice, or 1).
inline std::uint16_t wire_block(std::uint64_t i, std::uint16_t rollover_to) {
  if (i == 0) return 0;
  if (rollover_to == 0) return static_cast<std::uint16_t>(i & 0xffff);
  return static_cast<std::uint16_t>((i - 1) % 65535 + 1);
}

// Where a transfer's packets go: one flow (socket) and one peer.
struct Emitter {
  TxBatch& batch;
  std::uint64_t flow;
  Endpoint to;
  std::uint64_t packets = 0;

  std::span<std::uint8_t> reserve(std::size_t n) { return batch.reserve(n); }
  void commit(std::size_t n) {
    batch.commit(flow, to, n);
    ++packets;
  }
  void ack(std::uint16_t block);
  void error(ErrorCode code, std::string_view message);
};

// DATA payloads by 1-based block index.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Fills `out` (blksize bytes) with block `index`; short only for the last block.
  virtual Result<std::size_t, FsError> read_block(std::uint64_t index, std::span<std::uint8_t> out) = 0;
  // Blocks before `index` are acknowledged and will not be asked for again.
  virtual void release_before(std::uint64_t) {}
};

// Reads ahead in chunks so a lock-step transfer costs one read per chunk, not one per block.
class OctetSource final : public BlockSource {
 public:
  static constexpr std::size_t kReadAhead = 32 * 1024;
  OctetSource(ReadableFile& file, std::uint16_t blksize) : file_(file), blksize_(blksize) {}
  Result<std::size_t, FsError> read_block(std::uint64_t index, std::span<std::uint8_t> out) override;

 private:
  ReadableFile& file_;
  std::uint16_t blksize_;
  std::vector<std::uint8_t> buf_;
  std::uint64_t buf_offset_ = 0;
  std::size_t buf_len_ = 0;
  bool buf_at_eof_ = false;  // the buffer ends where the file ends
};

// Encodes on the fly; keeps the unacknowledged blocks so a window can be sent again.
class NetasciiSource final : public BlockSource {
 public:
  NetasciiSource(ReadableFile& file, std::uint16_t blksize) : file_(file), blksize_(blksize) {}
  Result<std::size_t, FsError> read_block(std::uint64_t index, std::span<std::uint8_t> out) override;
  void release_before(std::uint64_t index) override;

 private:
  Result<Ok, FsError> produce_next();

  ReadableFile& file_;
  std::uint16_t blksize_;
  NetasciiEncoder encoder_;
  std::uint64_t offset_ = 0;
  std::vector<std::uint8_t> in_;
  std::size_t in_pos_ = 0;
  std::deque<std::vector<std::uint8_t>> cache_;
  std::uint64_t first_cached_ = 1;
  bool eof_ = false;
};

// Where received DATA payloads go, in order.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  virtual Result<Ok, FsError> write(std::span<const std::uint8_t> data) = 0;
  virtual Result<Ok, FsError> finish() = 0;  // after the last block
};

class Sender {
 public:
  enum class AckKind {
    advanced,  // window moved; more was sent
    complete,  // the last block is acknowledged
    stale,     // acknowledges nothing new: ignored (no Sorcerer's Apprentice)
    rewound,   // receiver reported a gap: resent from it
    failed,    // reading the file failed; error() says why
  };

  Sender(BlockSource& source, std::uint16_t blksize, std::uint16_t window, std::uint16_t rollover_to);

  // Sends what the window allows and was not sent yet.
  bool fill(Emitter& out);
  AckKind on_ack(std::uint16_t block, Emitter& out);
  // Timeout: send the window again from the oldest unacknowledged block.
  bool retransmit(Emitter& out);

  bool complete() const { return complete_; }
  bool all_sent() const { return last_ && next_ > *last_; }
  std::uint64_t bytes_acked() const;
  FsError error() const { return error_; }

 private:
  BlockSource& source_;
  std::uint16_t blksize_;
  std::uint16_t window_;
  std::uint16_t rollover_;
  std::uint64_t base_ = 1;  // oldest unacknowledged block
  std::uint64_t next_ = 1;  // next block to send
  std::optional<std::uint64_t> last_;
  std::size_t last_size_ = 0;
  bool complete_ = false;
  bool may_rewind_ = false;  // one early resend per window on a gap report
  FsError error_ = FsError::io_error;
};

class Receiver {
 public:
  enum class DataKind {
    accepted,      // in order (and acknowledged if the window is full)
    complete,      // the short last block arrived and was acknowledged
    out_of_order,  // duplicate or gap: re-acknowledged the last in-order block (once per gap)
    oversized,     // payload larger than the negotiated blksize
    failed,        // the sink refused the data; error() says why
  };

  Receiver(BlockSink& sink, std::uint16_t blksize, std::uint16_t window, std::uint16_t rollover_to);

  DataKind on_data(std::uint16_t block, std::span<const std::uint8_t> payload, Emitter& out);
  // Acknowledge the last in-order block again (timeout, or first ACK of a transfer).
  void send_ack(Emitter& out);

  bool complete() const { return complete_; }
  bool started() const { return expected_ > 1; }
  std::uint64_t bytes() const { return bytes_; }
  FsError error() const { return error_; }

 private:
  BlockSink& sink_;
  std::uint16_t blksize_;
  std::uint16_t window_;
  std::uint16_t rollover_;
  std::uint64_t expected_ = 1;
  std::uint64_t bytes_ = 0;
  std::uint16_t since_ack_ = 0;
  bool gap_acked_ = false;
  bool complete_ = false;
  FsError error_ = FsError::io_error;
};

}  // namespace bootgate::tftp
