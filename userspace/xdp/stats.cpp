#include "xdp/stats.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "xdp/xdp_error.hpp"

namespace bootgate::xdp {
namespace {

#define BG_NAME_ENTRY(n, label, help) CounterName{label, help},
constexpr CounterName kVerdicts[] = {BG_VERDICTS(BG_NAME_ENTRY)};
constexpr CounterName kDrops[] = {BG_DROP_REASONS(BG_NAME_ENTRY)};
constexpr CounterName kClasses[] = {BG_CLASSES(BG_NAME_ENTRY)};
constexpr CounterName kVlanStats[] = {BG_VLAN_STATS(BG_NAME_ENTRY)};
#undef BG_NAME_ENTRY
static_assert(std::size(kVerdicts) == BG_VERDICT_COUNT);
static_assert(std::size(kDrops) == BG_DROP_COUNT);
static_assert(std::size(kClasses) == BG_CLASS_COUNT);
static_assert(std::size(kVlanStats) == BG_VSTAT_COUNT);

[[noreturn]] void fail(XdpFailure f, const std::string& what) {
  const int err = errno;
  throw XdpError(f, what + ": " + std::strerror(err));
}

UniqueFd open_pin(const std::string& path) {
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT) throw XdpError(XdpFailure::system, "xdp: no counters at " + path + " (is bootgate running with xdp on?)");
    errno = err;
    fail(err == EPERM || err == EACCES ? XdpFailure::not_privileged : XdpFailure::system, "xdp: cannot open " + path);
  }
  return fd;
}

}  // namespace

std::span<const CounterName> verdict_names() { return kVerdicts; }
std::span<const CounterName> drop_reason_names() { return kDrops; }
std::span<const CounterName> class_names() { return kClasses; }
std::span<const CounterName> vlan_stat_names() { return kVlanStats; }

StatsReader::StatsReader(UniqueFd counters, UniqueFd vlan_stats)
    : counters_(std::move(counters)), vlan_stats_(std::move(vlan_stats)), ncpus_(libbpf_num_possible_cpus()) {
  if (ncpus_ <= 0) throw XdpError(XdpFailure::system, "xdp: cannot count possible CPUs");
}

StatsReader StatsReader::open_pinned(const std::string& pin_dir) {
  return StatsReader(open_pin(pin_dir + "/bg_counters"), open_pin(pin_dir + "/bg_vlan_stats"));
}

StatsReader StatsReader::from_fds(int counters_fd, int vlan_stats_fd) {
  UniqueFd c(fcntl(counters_fd, F_DUPFD_CLOEXEC, 0)), v(fcntl(vlan_stats_fd, F_DUPFD_CLOEXEC, 0));
  if (!c || !v) fail(XdpFailure::system, "xdp: dup counter map");
  return StatsReader(std::move(c), std::move(v));
}

Stats StatsReader::read() const {
  Stats s;
  // Per-CPU lookups return one value per possible CPU.
  std::vector<bg_counters> per_cpu(static_cast<std::size_t>(ncpus_));
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(counters_.get(), &zero, per_cpu.data()) != 0) fail(XdpFailure::system, "xdp: read bg_counters");
  for (const auto& c : per_cpu) {
    for (std::size_t i = 0; i < s.verdict.size(); ++i) s.verdict[i] += c.verdict[i];
    for (std::size_t i = 0; i < s.drop.size(); ++i) s.drop[i] += c.drop[i];
    for (std::size_t i = 0; i < s.admit.size(); ++i) s.admit[i] += c.admit[i];
  }
  std::vector<bg_vlan_stats> vs(static_cast<std::size_t>(ncpus_));
  for (std::uint32_t slot = 0; slot < BG_VLAN_SLOTS; ++slot) {
    if (bpf_map_lookup_elem(vlan_stats_.get(), &slot, vs.data()) != 0) fail(XdpFailure::system, "xdp: read bg_vlan_stats");
    VlanStats v;
    v.vid = slot;
    bool any = false;
    for (const auto& c : vs)
      for (std::size_t i = 0; i < v.count.size(); ++i) {
        v.count[i] += c.count[i];
        any = any || c.count[i] != 0;
      }
    if (any) s.vlans.push_back(v);
  }
  return s;
}

std::string format_stats(const Stats& s) {
  std::string out;
  char line[256];
  auto row = [&](const char* group, const CounterName& n, std::uint64_t v) {
    std::snprintf(line, sizeof line, "%-28s %14llu  %s\n", (std::string(group) + "." + n.name).c_str(),
                  static_cast<unsigned long long>(v), n.help);
    out += line;
  };
  for (std::size_t i = 0; i < s.verdict.size(); ++i) row("verdict", kVerdicts[i], s.verdict[i]);
  for (std::size_t i = 0; i < s.admit.size(); ++i) row("admit", kClasses[i], s.admit[i]);
  for (std::size_t i = 0; i < s.drop.size(); ++i) row("drop", kDrops[i], s.drop[i]);
  for (const auto& v : s.vlans) {
    const std::string vlan = v.vid == BG_VID_NONE ? "vlan.untagged" : "vlan." + std::to_string(v.vid);
    for (std::size_t i = 0; i < v.count.size(); ++i)
      if (v.count[i]) row(vlan.c_str(), kVlanStats[i], v.count[i]);
  }
  return out;
}

}  // namespace bootgate::xdp
