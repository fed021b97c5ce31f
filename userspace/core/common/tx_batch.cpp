#include "core/common/tx_batch.hpp"

namespace bootgate {

std::span<std::uint8_t> TxBatch::reserve(std::size_t max) {
  if (arena_.size() < used_ + max) arena_.resize((used_ + max) * 2);
  return {arena_.data() + used_, max};
}

void TxBatch::commit(std::uint64_t flow, const Endpoint& to, std::size_t size) {
  entries_.push_back(Entry{flow, to, used_, size});
  used_ += size;
}

void TxBatch::clear() {
  entries_.clear();
  used_ = 0;
}

}  // namespace bootgate
