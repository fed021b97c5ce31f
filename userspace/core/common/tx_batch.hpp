#pragma once
// Engines write outgoing datagrams here; a datapath sends them in batches (sendmmsg, AF_XDP tx ring).
// The arena is reused between flushes, so steady-state sending allocates nothing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/common/endpoint.hpp"

namespace bootgate {

class TxBatch {
 public:
  struct Entry {
    std::uint64_t flow;  // which socket / transfer sends it (0: the listening socket)
    Endpoint to;
    std::size_t offset;
    std::size_t size;
  };

  // A writable region of at least `max` bytes; valid until the next reserve() or commit().
  std::span<std::uint8_t> reserve(std::size_t max);
  void commit(std::uint64_t flow, const Endpoint& to, std::size_t size);

  std::span<const Entry> entries() const { return entries_; }
  std::span<const std::uint8_t> payload(const Entry& e) const { return {arena_.data() + e.offset, e.size}; }
  std::span<std::uint8_t> payload_mut(const Entry& e) { return {arena_.data() + e.offset, e.size}; }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  void clear();

 private:
  std::vector<std::uint8_t> arena_;
  std::size_t used_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace bootgate
