#pragma once
// Address ranges and the search for a free address in them.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>

#include "core/dhcp/ipv4.hpp"

namespace bootgate::dhcp {

struct AddressRange {
  Ipv4 first = 0;
  Ipv4 last = 0;  // inclusive
  bool contains(Ipv4 a) const { return a >= first && a <= last; }
  std::uint64_t size() const { return std::uint64_t{last} - first + 1; }
  bool overlaps(const AddressRange& o) const { return first <= o.last && o.first <= last; }
  bool operator==(const AddressRange&) const = default;
};

inline bool in_ranges(std::span<const AddressRange> ranges, Ipv4 a) {
  return std::any_of(ranges.begin(), ranges.end(), [a](const AddressRange& r) { return r.contains(a); });
}

// First address in `range`, starting at `start` and wrapping once, for which usable(a) holds.
template <class Usable>
std::optional<Ipv4> scan_range(const AddressRange& range, Ipv4 start, Usable&& usable) {
  if (!range.contains(start)) start = range.first;
  Ipv4 a = start;
  for (std::uint64_t n = 0; n < range.size(); ++n) {
    if (usable(a)) return a;
    a = (a == range.last) ? range.first : a + 1;
  }
  return std::nullopt;
}

}  // namespace bootgate::dhcp
