#include "core/tftp/transfer.hpp"

#include <algorithm>
#include <cstring>

namespace bootgate::tftp {

void Emitter::ack(std::uint16_t block) { commit(encode_ack(block, reserve(4))); }

void Emitter::error(ErrorCode code, std::string_view message) {
  commit(encode_error(code, message, reserve(encoded_error_size(message))));
}

Result<std::size_t, FsError> OctetSource::read_block(std::uint64_t index, std::span<std::uint8_t> out) {
  const std::uint64_t offset = (index - 1) * blksize_;
  const std::uint64_t buf_end = buf_offset_ + buf_len_;
  const bool covered = offset >= buf_offset_ && (offset + blksize_ <= buf_end || (buf_at_eof_ && offset <= buf_end));
  if (!covered) {
    buf_.resize(std::max<std::size_t>(kReadAhead, blksize_));
    auto n = file_.read_at(offset, buf_);
    if (!n) return Unexpected{n.error()};
    buf_offset_ = offset;
    buf_len_ = *n;
    buf_at_eof_ = *n < buf_.size();
  }
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(blksize_, buf_offset_ + buf_len_ - offset));
  std::memcpy(out.data(), buf_.data() + (offset - buf_offset_), n);
  return n;
}

Result<Ok, FsError> NetasciiSource::produce_next() {
  std::vector<std::uint8_t> block(blksize_);
  std::size_t filled = 0;
  while (filled < block.size()) {
    if (in_pos_ == in_.size() && !eof_) {
      in_.resize(64 * 1024);
      auto r = file_.read_at(offset_, in_);
      if (!r) return Unexpected{r.error()};
      in_.resize(*r);
      in_pos_ = 0;
      offset_ += *r;
      if (*r == 0) eof_ = true;
    }
    const auto step = encoder_.encode(std::span(in_).subspan(in_pos_), std::span(block).subspan(filled));
    in_pos_ += step.consumed;
    filled += step.written;
    if (step.written == 0 && step.consumed == 0 && eof_ && !encoder_.pending()) break;
  }
  block.resize(filled);
  cache_.push_back(std::move(block));
  return Ok{};
}

Result<std::size_t, FsError> NetasciiSource::read_block(std::uint64_t index, std::span<std::uint8_t> out) {
  if (index < first_cached_) return Unexpected{FsError::io_error};  // released: a caller bug
  while (index >= first_cached_ + cache_.size()) {
    if (auto r = produce_next(); !r) return Unexpected{r.error()};
  }
  const auto& b = cache_[index - first_cached_];
  std::memcpy(out.data(), b.data(), b.size());
  return b.size();
}

void NetasciiSource::release_before(std::uint64_t index) {
  while (first_cached_ < index && !cache_.empty()) {
    cache_.pop_front();
    ++first_cached_;
  }
}

Sender::Sender(BlockSource& source, std::uint16_t blksize, std::uint16_t window, std::uint16_t rollover_to)
    : source_(source), blksize_(blksize), window_(std::max<std::uint16_t>(1, window)), rollover_(rollover_to) {}

bool Sender::fill(Emitter& out) {
  while (next_ < base_ + window_ && (!last_ || next_ <= *last_)) {
    auto buf = out.reserve(kDataHeaderSize + blksize_);
    auto n = source_.read_block(next_, buf.subspan(kDataHeaderSize));
    if (!n) {
      error_ = n.error();
      return false;
    }
    encode_data_header(wire_block(next_, rollover_), buf);
    out.commit(kDataHeaderSize + *n);
    if (*n < blksize_) {
      last_ = next_;
      last_size_ = *n;
    }
    ++next_;
  }
  return true;
}

Sender::AckKind Sender::on_ack(std::uint16_t block, Emitter& out) {
  if (complete_) return AckKind::stale;
  // Which sent block does this wire number name? Search the sent range, newest first.
  std::optional<std::uint64_t> acked;
  for (std::uint64_t k = next_ - 1;; --k) {
    if (wire_block(k, rollover_) == block) {
      acked = k;
      break;
    }
    if (k == base_ - 1) break;
  }
  if (!acked) return AckKind::stale;
  if (*acked < base_) {
    // Acknowledges nothing new. With a window this is a receiver reporting a lost first block:
    // resend once per window. A lone duplicate ACK with window 1 must never trigger a resend.
    if (window_ > 1 && may_rewind_ && next_ > base_) {
      may_rewind_ = false;
      next_ = base_;
      return fill(out) ? AckKind::rewound : AckKind::failed;
    }
    return AckKind::stale;
  }
  const bool gap = *acked + 1 < next_;  // receiver stopped short of what we sent
  base_ = *acked + 1;
  source_.release_before(base_);
  if (last_ && *acked == *last_) {
    complete_ = true;
    return AckKind::complete;
  }
  next_ = std::max(next_, base_);
  if (gap) next_ = base_;  // RFC 7440: continue right after the acknowledged block
  may_rewind_ = true;
  if (!fill(out)) return AckKind::failed;
  return gap ? AckKind::rewound : AckKind::advanced;
}

bool Sender::retransmit(Emitter& out) {
  next_ = base_;
  may_rewind_ = true;
  return fill(out);
}

std::uint64_t Sender::bytes_acked() const {
  if (complete_) return (*last_ - 1) * blksize_ + last_size_;
  return (base_ - 1) * blksize_;
}

Receiver::Receiver(BlockSink& sink, std::uint16_t blksize, std::uint16_t window, std::uint16_t rollover_to)
    : sink_(sink), blksize_(blksize), window_(std::max<std::uint16_t>(1, window)), rollover_(rollover_to) {}

void Receiver::send_ack(Emitter& out) {
  out.ack(wire_block(expected_ - 1, rollover_));
  since_ack_ = 0;
}

Receiver::DataKind Receiver::on_data(std::uint16_t block, std::span<const std::uint8_t> payload, Emitter& out) {
  if (complete_ || block != wire_block(expected_, rollover_)) {
    // A duplicate (our ACK was lost) or a gap. With window 1 every duplicate is answered, as classic
    // TFTP expects; with a window, one ACK per gap is enough to make the sender rewind.
    if (complete_ || window_ == 1 || !gap_acked_) {
      send_ack(out);
      gap_acked_ = true;
    }
    return DataKind::out_of_order;
  }
  if (payload.size() > blksize_) return DataKind::oversized;
  if (auto r = sink_.write(payload); !r) {
    error_ = r.error();
    return DataKind::failed;
  }
  bytes_ += payload.size();
  ++expected_;
  ++since_ack_;
  gap_acked_ = false;
  if (payload.size() < blksize_) {
    if (auto r = sink_.finish(); !r) {
      error_ = r.error();
      return DataKind::failed;
    }
    complete_ = true;
    send_ack(out);
    return DataKind::complete;
  }
  if (since_ack_ >= window_) send_ack(out);
  return DataKind::accepted;
}

}  // namespace bootgate::tftp
