#pragma once
// XDP counters: names generated from the shared header's X-lists, a reader that works on the
// loader's own maps or on the pinned maps from another process (`bootgate stats`), and a formatter.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bootgate_shared.h"
#include "core/common/unique_fd.hpp"

namespace bootgate::xdp {

struct CounterName {
  const char* name;
  const char* help;
};
std::span<const CounterName> verdict_names();     // index = enum bg_verdict
std::span<const CounterName> drop_reason_names(); // index = enum bg_drop_reason
std::span<const CounterName> class_names();       // index = enum bg_class
std::span<const CounterName> vlan_stat_names();   // index = enum bg_vlan_stat

struct VlanStats {
  std::uint32_t vid = BG_VID_NONE;  // inner VID; BG_VID_NONE = untagged
  std::array<std::uint64_t, BG_VSTAT_COUNT> count{};
};

struct Stats {
  std::array<std::uint64_t, BG_VERDICT_COUNT> verdict{};
  std::array<std::uint64_t, BG_DROP_COUNT> drop{};
  std::array<std::uint64_t, BG_CLASS_COUNT> admit{};
  std::vector<VlanStats> vlans;  // only slots with a nonzero count, ascending VID, untagged last
};

class StatsReader {
 public:
  // Opens `<pin_dir>/bg_counters` and `<pin_dir>/bg_vlan_stats`. Throws XdpError.
  static StatsReader open_pinned(const std::string& pin_dir);
  // Borrows nothing: duplicates the descriptors.
  static StatsReader from_fds(int counters_fd, int vlan_stats_fd);

  // Sums the per-CPU values.
  Stats read() const;

 private:
  StatsReader(UniqueFd counters, UniqueFd vlan_stats);
  UniqueFd counters_;
  UniqueFd vlan_stats_;
  int ncpus_;
};

// A plain-text report, one counter per line ("drop.prefix  12  source address not in ...").
std::string format_stats(const Stats& stats);

}  // namespace bootgate::xdp
