#include "core/dhcp/boot_policy.hpp"

#include <algorithm>

#include "core/dhcp/arch.hpp"

namespace bootgate::dhcp {

std::vector<std::string> parse_user_classes(std::string_view raw) {
  std::vector<std::string> out;
  if (raw.empty()) return out;
  out.emplace_back(raw);
  std::vector<std::string> items;
  std::size_t i = 0;
  while (i < raw.size()) {
    const std::size_t len = static_cast<std::uint8_t>(raw[i]);
    if (len == 0 || i + 1 + len > raw.size()) return out;  // not RFC 3004 framed
    items.emplace_back(raw.substr(i + 1, len));
    i += 1 + len;
  }
  out.insert(out.end(), items.begin(), items.end());
  return out;
}

bool rule_matches(const BootRule& r, const BootRequest& q) {
  if (!r.arch.empty() && (!q.arch || std::find(r.arch.begin(), r.arch.end(), *q.arch) == r.arch.end())) return false;
  if (!r.vendor_class.empty() && !q.vendor_class.starts_with(r.vendor_class)) return false;
  if (!r.user_class.empty() &&
      std::find(q.user_classes.begin(), q.user_classes.end(), r.user_class) == q.user_classes.end())
    return false;
  if (r.ipxe && *r.ipxe != q.ipxe) return false;
  if (!r.mac_prefix.empty() && !q.hw.starts_with(r.mac_prefix)) return false;
  if (!r.subnet.empty() && r.subnet != q.subnet) return false;
  if (r.vlan && r.vlan != q.vlan) return false;
  if (!r.host.empty() && r.host != q.host) return false;
  return true;
}

BootDecision RuleBootPolicy::finish(BootTarget t, std::string rule) const {
  if (t.next_server == 0) t.next_server = config_.next_server;
  return BootDecision{std::move(t), std::move(rule)};
}

std::optional<BootDecision> RuleBootPolicy::decide(const BootRequest& q) const {
  for (const auto& r : config_.rules)
    if (rule_matches(r, q)) return finish(r.target, "rule '" + r.name + "'");
  if (q.ipxe && !config_.ipxe.empty()) return finish(config_.ipxe, "ipxe");
  if (q.reservation && !q.reservation->empty()) return finish(*q.reservation, "reservation");
  if (q.arch) {
    if (auto it = config_.arch.find(*q.arch); it != config_.arch.end())
      return finish(it->second, "arch " + arch_name(*q.arch));
  }
  if (!config_.fallback.empty()) return finish(config_.fallback, "default");
  return std::nullopt;
}

}  // namespace bootgate::dhcp
