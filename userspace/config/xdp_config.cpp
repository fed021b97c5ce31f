#include "config/xdp_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace bootgate::config {
namespace {

constexpr std::uint16_t kMaxVid = 4095;
constexpr std::int64_t kMaxRate = 10'000'000;
constexpr std::int64_t kMaxTable = 16 * 1024 * 1024;
constexpr std::size_t kMaxLocalAddresses = 16;  // BG_MAX_LOCAL_ADDRS; the config library does not see bpf/

bool parse_uint(std::string_view s, std::uint32_t max, std::uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out <= max;
}

std::uint16_t parse_vid(const NodeReader& at, std::string_view s) {
  std::uint32_t v = 0;
  if (!parse_uint(s, kMaxVid, v)) at.fail("'" + std::string(s) + "' is not a VLAN ID 0..4095");
  return static_cast<std::uint16_t>(v);
}

VlanMatch parse_vlan(const NodeReader& n) {
  const auto s = n.as_string();
  if (s == "untagged") return {};
  const auto dot = s.find('.');
  if (dot == std::string::npos) return {std::nullopt, parse_vid(n, s)};
  return {parse_vid(n, std::string_view(s).substr(0, dot)), parse_vid(n, std::string_view(s).substr(dot + 1))};
}

std::uint32_t get_u32(MapReader& m, const std::string& key, std::uint32_t fallback, std::int64_t min, std::int64_t max) {
  return static_cast<std::uint32_t>(m.get_int(key, fallback, min, max));
}

void parse_rate(const NodeReader& n, XdpRate& r) {
  MapReader m(n);
  r.requests_per_second = get_u32(m, "requests_per_second", r.requests_per_second, 0, kMaxRate);
  r.burst = get_u32(m, "burst", r.burst, 1, kMaxRate);
  r.transfer_packets_per_second = get_u32(m, "transfer_packets_per_second", r.transfer_packets_per_second, 0, kMaxRate);
  r.transfer_burst = get_u32(m, "transfer_burst", r.transfer_burst, 1, kMaxRate);
  r.global_requests_per_second = get_u32(m, "global_requests_per_second", r.global_requests_per_second, 0, kMaxRate);
  r.global_burst = get_u32(m, "global_burst", r.global_burst, 1, kMaxRate);
  m.finish();
}

void parse_tables(const NodeReader& n, XdpTables& t) {
  MapReader m(n);
  t.sources = get_u32(m, "sources", t.sources, 1, kMaxTable);
  t.prefixes = get_u32(m, "prefixes", t.prefixes, 1, kMaxTable);
  t.vlans = get_u32(m, "vlans", t.vlans, 1, kMaxTable);
  t.macs = get_u32(m, "macs", t.macs, 1, kMaxTable);
  m.finish();
}

XdpVlan parse_vlan_entry(const NodeReader& n) {
  MapReader m(n);
  XdpVlan v;
  v.vlan = parse_vlan(m.require("vlan"));
  if (auto p = m.child("prefixes")) {
    for (const auto& item : p->items()) {
      const auto text = item.as_string();
      auto prefix = parse_ipv4_prefix(text);
      if (!prefix) item.fail("'" + text + "' is not an IPv4 prefix such as 10.0.0.0/24");
      const std::uint32_t host_mask = prefix->length == 32 ? 0 : (0xFFFFFFFFu >> prefix->length);
      if (prefix->addr & host_mask) item.fail("'" + text + "' has host bits set");
      v.prefixes.push_back(*prefix);
    }
  }
  v.dhcp_anonymous = m.get_bool("dhcp_anonymous", v.dhcp_anonymous);
  m.finish();
  return v;
}

XdpInterface parse_interface(const NodeReader& n) {
  MapReader m(n);
  XdpInterface iface;
  const auto name_node = m.require("name");
  iface.name = name_node.as_string();
  if (iface.name.empty() || iface.name.size() >= 16) name_node.fail("interface names are 1..15 characters");
  auto vlans = m.require("vlans");
  for (const auto& item : vlans.items()) {
    auto v = parse_vlan_entry(item);
    for (const auto& seen : iface.vlans)
      if (seen.vlan == v.vlan) item.fail("VLAN " + to_string(v.vlan) + " is listed twice");
    iface.vlans.push_back(std::move(v));
  }
  if (iface.vlans.empty()) vlans.fail("list at least one VLAN (or 'untagged')");
  m.finish();
  return iface;
}

void parse_port_range(const NodeReader& n, XdpSection& s) {
  const auto text = n.as_string();
  s.transfer_ports_explicit = true;
  if (text == "none") {
    s.transfer_port_lo = s.transfer_port_hi = 0;
    return;
  }
  const auto dash = text.find('-');
  std::uint32_t lo = 0, hi = 0;
  const bool ok = dash == std::string::npos
                      ? parse_uint(text, 65535, lo) && (hi = lo, true)
                      : parse_uint(std::string_view(text).substr(0, dash), 65535, lo) &&
                            parse_uint(std::string_view(text).substr(dash + 1), 65535, hi);
  if (!ok || lo == 0 || lo > hi) n.fail("expected a port range such as 49152-49407, or none");
  s.transfer_port_lo = static_cast<std::uint16_t>(lo);
  s.transfer_port_hi = static_cast<std::uint16_t>(hi);
}

}  // namespace

std::optional<std::uint32_t> parse_ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(const std::string& text) {
  const auto slash = text.find('/');
  auto addr = parse_ipv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  std::uint32_t len = 32;
  if (slash != std::string::npos && !parse_uint(std::string_view(text).substr(slash + 1), 32, len)) return std::nullopt;
  return Ipv4Prefix{*addr, static_cast<std::uint8_t>(len)};
}

std::optional<MacPrefix> parse_mac_prefix(const std::string& text) {
  // "aa:bb:cc" (OUI) or "aa:bb:cc:dd:ee:ff"; ':' or '-' separators.
  MacPrefix m;
  std::size_t pos = 0, n = 0;
  while (n < 6) {
    if (pos + 2 > text.size()) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data() + pos, text.data() + pos + 2, v, 16);
    if (ec != std::errc{} || p != text.data() + pos + 2) return std::nullopt;
    m.bytes[n++] = static_cast<std::uint8_t>(v);
    pos += 2;
    if (pos == text.size()) break;
    if (text[pos] != ':' && text[pos] != '-') return std::nullopt;
    ++pos;
  }
  if (pos != text.size() || (n != 3 && n != 6)) return std::nullopt;
  m.length = static_cast<std::uint8_t>(n * 8);
  return m;
}

std::string to_string(const VlanMatch& v) {
  if (!v.inner) return "untagged";
  if (!v.outer) return std::to_string(*v.inner);
  return std::to_string(*v.outer) + "." + std::to_string(*v.inner);
}

const char* to_string(XdpMode mode) {
  switch (mode) {
    case XdpMode::off: return "off";
    case XdpMode::optional: return "optional";
    case XdpMode::required: return "required";
  }
  return "?";
}

XdpSection parse_xdp(const NodeReader& node) {
  XdpSection s;
  // Shorthand: `xdp: off` / `xdp: required`.
  if (node.is_scalar()) {
    const auto v = node.as_string();
    if (v == "off" || v == "false") s.mode = XdpMode::off;
    else if (v == "optional") s.mode = XdpMode::optional;
    else if (v == "required") s.mode = XdpMode::required;
    else node.fail("'" + v + "' is not one of: required, optional, off");
    if (s.mode != XdpMode::off) node.fail("'" + v + "' needs the full xdp section (interfaces, vlans)");
    return s;
  }

  MapReader m(node);
  const auto mode = m.get_enum("mode", "optional", {"required", "optional", "off"});
  s.mode = mode == "required" ? XdpMode::required : mode == "optional" ? XdpMode::optional : XdpMode::off;
  const auto attach = m.get_enum("attach", "auto", {"auto", "native", "generic"});
  s.attach = attach == "native" ? XdpAttach::native : attach == "generic" ? XdpAttach::generic : XdpAttach::automatic;

  if (auto locals = m.child("local_addresses")) {
    s.any_local = false;
    for (const auto& item : locals->items()) {
      const auto text = item.as_string();
      if (text == "any") {
        s.any_local = true;
        continue;
      }
      auto a = parse_ipv4(text);
      if (!a) item.fail("'" + text + "' is not an IPv4 address (or 'any')");
      s.local_addresses.push_back(*a);
    }
    if (s.any_local && !s.local_addresses.empty()) locals->fail("'any' cannot be combined with addresses");
    if (!s.any_local && s.local_addresses.empty()) locals->fail("list the appliance's addresses, or 'any'");
    if (s.local_addresses.size() > kMaxLocalAddresses)
      locals->fail("at most " + std::to_string(kMaxLocalAddresses) + " addresses (or 'any')");
  }
  if (auto ports = m.child("tftp_transfer_ports")) parse_port_range(*ports, s);

  if (auto ifaces = m.child("interfaces")) {
    for (const auto& item : ifaces->items()) {
      auto iface = parse_interface(item);
      for (const auto& seen : s.interfaces)
        if (seen.name == iface.name) item.fail("interface '" + iface.name + "' is listed twice");
      s.interfaces.push_back(std::move(iface));
    }
  }
  if (s.mode != XdpMode::off && s.interfaces.empty())
    m.self().fail("'interfaces' is required unless mode is off");

  if (auto macs = m.child("dhcp_mac_allow")) {
    for (const auto& item : macs->items()) {
      const auto text = item.as_string();
      auto mac = parse_mac_prefix(text);
      if (!mac) item.fail("'" + text + "' is not a MAC (aa:bb:cc:dd:ee:ff) or OUI (aa:bb:cc)");
      s.dhcp_mac_allow.push_back(*mac);
    }
  }
  if (auto rate = m.child("rate")) parse_rate(*rate, s.rate);
  if (auto limits = m.child("limits")) {
    MapReader l(*limits);
    s.max_tftp_request = get_u32(l, "max_tftp_request", s.max_tftp_request, 4, 65507);
    s.max_dhcp_request = get_u32(l, "max_dhcp_request", s.max_dhcp_request, 236, 65507);
    l.finish();
  }
  if (auto tables = m.child("tables")) parse_tables(*tables, s.tables);
  s.pin_dir = m.get_string("pin_dir", s.pin_dir);
  // Under /sys/fs/bpf the loader mounts bpffs if needed; elsewhere it must be a bpffs mount already
  // (tests use a private one that every `ip netns exec` sees). libbpf turns '.' into '_' in pin paths.
  if (s.pin_dir.size() < 2 || s.pin_dir[0] != '/' || s.pin_dir.back() == '/')
    m.self().fail("pin_dir must be an absolute directory path such as /sys/fs/bpf/bootgate");
  if (s.pin_dir.find('.') != std::string::npos) m.self().fail("pin_dir must not contain '.' (libbpf rewrites it)");
  s.disable_vlan_offload = m.get_bool("disable_vlan_offload", s.disable_vlan_offload);

  std::size_t vlan_count = 0, prefix_count = 0;
  for (const auto& i : s.interfaces)
    for (const auto& v : i.vlans) {
      ++vlan_count;
      prefix_count += v.prefixes.size();
    }
  // Reloads hold two generations at once, so every policy table needs room for twice the config.
  auto check_room = [&](std::size_t used, std::uint32_t size, const char* what) {
    if (used * 2 > size)
      m.self().fail(std::to_string(used) + " " + what + " need tables." + what + " >= " + std::to_string(used * 2) +
                    " (room for old and new policy during reload)");
  };
  check_room(vlan_count, s.tables.vlans, "vlans");
  check_room(prefix_count, s.tables.prefixes, "prefixes");
  check_room(s.dhcp_mac_allow.size(), s.tables.macs, "macs");
  m.finish();
  return s;
}

}  // namespace bootgate::config
