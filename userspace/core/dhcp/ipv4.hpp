#pragma once
// IPv4 addresses inside the DHCP engine are plain host-order integers: pools are ranges, subnets are
// masks, and the lease table is keyed by them. IpAddress (core/common) is used at the edges.
#include <cstdint>
#include <optional>
#include <string>

#include "core/common/endpoint.hpp"

namespace bootgate::dhcp {

using Ipv4 = std::uint32_t;  // host byte order; 0 means "none" (0.0.0.0)

inline constexpr Ipv4 kBroadcast = 0xffffffffu;

inline IpAddress to_ip(Ipv4 a) { return IpAddress::v4(a); }
inline std::optional<Ipv4> from_ip(const IpAddress& a) {
  if (a.v6) return std::nullopt;
  return a.v4_host_order();
}
inline std::string to_string(Ipv4 a) { return IpAddress::v4(a).to_string(); }
inline std::optional<Ipv4> parse_ipv4(std::string_view text) {
  auto ip = IpAddress::parse(text);
  if (!ip || ip->v6) return std::nullopt;
  return ip->v4_host_order();
}

inline constexpr Ipv4 prefix_mask(unsigned prefix) {
  return prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~Ipv4{0} << (32 - prefix));
}

}  // namespace bootgate::dhcp
