#include "config/dhcp_config.hpp"

#include <algorithm>
#include <set>

#include "core/dhcp/arch.hpp"
#include "core/dhcp/options.hpp"

namespace bootgate::config {
namespace {

using dhcp::Ipv4;
using dhcp::to_string;

constexpr std::uint64_t kDay = 86'400'000;
constexpr std::uint64_t kYear = 365 * kDay;

Ipv4 as_ipv4(const NodeReader& n) {
  const auto s = n.as_string();
  auto a = dhcp::parse_ipv4(s);
  if (!a) n.fail("'" + s + "' is not an IPv4 address");
  return *a;
}

std::vector<Ipv4> as_ipv4_list(const NodeReader& n) {
  std::vector<Ipv4> out;
  for (const auto& item : n.items()) out.push_back(as_ipv4(item));
  return out;
}

std::optional<std::uint16_t> get_vlan(MapReader& m) {
  if (!m.has("vlan")) {
    m.child("vlan");
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(m.get_int("vlan", 0, 1, 4094));
}

std::string cidr(Ipv4 network, unsigned prefix) { return to_string(network) + "/" + std::to_string(prefix); }

// "10.0.0.0/24"
void parse_network(const NodeReader& n, Ipv4& network, unsigned& prefix) {
  const auto s = n.as_string();
  const auto slash = s.find('/');
  if (slash == std::string::npos) n.fail("'" + s + "' needs a prefix length, e.g. 10.0.0.0/24");
  auto a = dhcp::parse_ipv4(s.substr(0, slash));
  if (!a) n.fail("'" + s.substr(0, slash) + "' is not an IPv4 address");
  const auto len = s.substr(slash + 1);
  const bool digits = std::all_of(len.begin(), len.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (len.empty() || len.size() > 2 || !digits || std::stoi(len) > 32 || std::stoi(len) < 1)
    n.fail("'" + len + "' is not a prefix length 1..32");
  prefix = static_cast<unsigned>(std::stoi(len));
  if ((*a & ~dhcp::prefix_mask(prefix)) != 0)
    n.fail("'" + s + "' has host bits set (did you mean " + cidr(*a & dhcp::prefix_mask(prefix), prefix) + "?)");
  network = *a;
}

// "10.0.0.100-10.0.0.199", or {first: ..., last: ...}
dhcp::AddressRange parse_range(const NodeReader& n) {
  dhcp::AddressRange r;
  if (n.is_map()) {
    MapReader m(n);
    r.first = as_ipv4(m.require("first"));
    r.last = as_ipv4(m.require("last"));
    m.finish();
  } else {
    const auto s = n.as_string();
    const auto dash = s.find('-');
    if (dash == std::string::npos) n.fail("'" + s + "' is not a range like 10.0.0.100-10.0.0.199");
    auto trim = [](std::string t) {
      t.erase(0, t.find_first_not_of(' '));
      t.erase(t.find_last_not_of(' ') + 1);
      return t;
    };
    auto first = dhcp::parse_ipv4(trim(s.substr(0, dash)));
    auto last = dhcp::parse_ipv4(trim(s.substr(dash + 1)));
    if (!first || !last) n.fail("'" + s + "' is not a range of two IPv4 addresses");
    r.first = *first;
    r.last = *last;
  }
  if (r.first > r.last) n.fail("range starts after it ends");
  return r;
}

std::vector<std::uint8_t> ip_bytes(const std::vector<Ipv4>& ips) {
  std::vector<std::uint8_t> out;
  for (auto a : ips)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(a >> shift));
  return out;
}

// Codes the server fills itself; a config value would be wrong or ignored.
bool server_managed(std::uint8_t code) {
  namespace o = dhcp::option;
  return code == o::pad || code == o::end || code == o::subnet_mask || code == o::overload ||
         (code >= o::requested_address && code <= o::rebinding_time) || code == o::client_id ||
         code == o::relay_agent_info;
}

// RFC 1035 name list for option 119 (no compression); nullopt for an invalid name.
std::optional<std::vector<std::uint8_t>> encode_domain_list(const std::vector<std::string>& names) {
  std::vector<std::uint8_t> out;
  for (const auto& name : names) {
    std::size_t start = 0;
    while (start < name.size()) {
      auto dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      const auto label = name.substr(start, dot - start);
      if (label.empty() || label.size() > 63) return std::nullopt;
      out.push_back(static_cast<std::uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
      start = dot + 1;
    }
    if (name.empty()) return std::nullopt;
    out.push_back(0);
  }
  return out;
}

DhcpCustomOption parse_custom(const NodeReader& n) {
  MapReader m(n);
  DhcpCustomOption c;
  auto code_node = m.require("code");
  c.code = static_cast<std::uint8_t>(code_node.as_int(1, 254));
  if (server_managed(c.code)) code_node.fail("option " + std::to_string(c.code) + " is set by the server itself");
  int kinds = 0;
  if (auto v = m.child("ip")) {
    c.data = ip_bytes(as_ipv4_list(*v));
    ++kinds;
  }
  if (auto v = m.child("string")) {
    const auto s = v->as_string();
    c.data.assign(s.begin(), s.end());
    ++kinds;
  }
  if (auto v = m.child("hex")) {
    auto raw = dhcp::parse_hex_bytes(v->as_string(), 255 * 4);
    if (!raw) v->fail("'" + v->as_string() + "' is not hex bytes like 01:02:0a");
    c.data.assign(raw->begin(), raw->end());
    ++kinds;
  }
  for (auto [key, width] : {std::pair{"u8", 1}, {"u16", 2}, {"u32", 4}}) {
    if (auto v = m.child(key)) {
      const auto value = static_cast<std::uint64_t>(v->as_int(0, (std::int64_t{1} << (8 * width)) - 1));
      for (int i = width - 1; i >= 0; --i) c.data.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
      ++kinds;
    }
  }
  if (kinds != 1) n.fail("give exactly one of ip, string, hex, u8, u16, u32");
  if (c.data.empty()) n.fail("option value is empty");
  c.always = m.get_bool("always", false);
  m.finish();
  return c;
}

DhcpOptions parse_options(const NodeReader& n) {
  MapReader m(n);
  DhcpOptions o;
  if (auto v = m.child("router")) o.router = as_ipv4_list(*v);
  if (auto v = m.child("dns")) o.dns = as_ipv4_list(*v);
  if (auto v = m.child("ntp")) o.ntp = as_ipv4_list(*v);
  o.domain = m.get_string("domain", "");
  if (auto v = m.child("domain_search")) {
    for (const auto& item : v->items()) {
      o.domain_search.push_back(item.as_string());
      if (!encode_domain_list({o.domain_search.back()})) item.fail("'" + o.domain_search.back() + "' is not a valid domain name");
    }
  }
  if (m.has("mtu")) o.mtu = static_cast<std::uint16_t>(m.get_int("mtu", 1500, 68, 65535));
  else m.child("mtu");
  if (auto v = m.child("custom")) {
    std::map<std::uint8_t, int> lines;
    for (const auto& item : v->items()) {
      auto c = parse_custom(item);
      if (auto [it, fresh] = lines.emplace(c.code, item.line()); !fresh)
        item.fail("option " + std::to_string(c.code) + " is already set at line " + std::to_string(it->second));
      o.custom.push_back(std::move(c));
    }
  }
  m.finish();
  return o;
}

std::vector<std::uint16_t> parse_arch_list(const NodeReader& n) {
  std::vector<std::uint16_t> out;
  for (const auto& item : n.items()) {
    const auto name = item.as_string();
    auto codes = dhcp::arch_codes(name);
    if (!codes) item.fail("unknown architecture '" + name + "' (use " + dhcp::arch_name_list() + ")");
    out.insert(out.end(), codes->begin(), codes->end());
  }
  return out;
}

struct Seen {
  std::map<dhcp::HwAddress, int> macs;
  std::map<std::string, int> client_ids;
  std::map<Ipv4, int> addresses;
};

DhcpReservation parse_reservation(const NodeReader& n, const DhcpSubnet& subnet, Seen& seen) {
  MapReader m(n);
  DhcpReservation r;
  if (auto v = m.child("mac")) {
    r.mac = dhcp::HwAddress::parse_mac(v->as_string());
    if (!r.mac) v->fail("'" + v->as_string() + "' is not a MAC address like 52:54:00:12:34:56");
    if (auto [it, fresh] = seen.macs.emplace(*r.mac, v->line()); !fresh)
      v->fail("duplicate MAC " + r.mac->to_string() + " (first reserved at line " + std::to_string(it->second) + ")");
  }
  if (auto v = m.child("client_id")) {
    auto raw = dhcp::parse_hex_bytes(v->as_string(), 255);
    if (!raw) v->fail("'" + v->as_string() + "' is not hex bytes like 01:52:54:00:12:34:56");
    r.client_id = *raw;
    if (auto [it, fresh] = seen.client_ids.emplace(*raw, v->line()); !fresh)
      v->fail("duplicate client id (first reserved at line " + std::to_string(it->second) + ")");
  }
  if (!r.mac && !r.client_id) n.fail("a reservation needs mac or client_id");
  if (auto v = m.child("address")) {
    r.address = as_ipv4(*v);
    const dhcp::Subnet probe{.network = subnet.network, .prefix = subnet.prefix};
    if (!probe.contains(r.address))
      v->fail(to_string(r.address) + " is outside subnet " + cidr(subnet.network, subnet.prefix));
    if (r.address == probe.network || r.address == probe.broadcast())
      v->fail(to_string(r.address) + " is the network or broadcast address");
    if (auto [it, fresh] = seen.addresses.emplace(r.address, v->line()); !fresh)
      v->fail(to_string(r.address) + " is already reserved at line " + std::to_string(it->second));
  }
  r.hostname = m.get_string("hostname", "");
  r.boot_file = m.get_string("boot_file", "");
  if (auto v = m.child("next_server")) r.next_server = as_ipv4(*v);
  if (auto v = m.child("options")) r.options = parse_options(*v);
  m.finish();
  return r;
}

DhcpSubnet parse_subnet(const NodeReader& n, Seen& seen) {
  MapReader m(n);
  DhcpSubnet s;
  parse_network(m.require("network"), s.network, s.prefix);
  s.name = m.get_string("name", cidr(s.network, s.prefix));
  s.vlan = get_vlan(m);
  s.interface = m.get_string("interface", "");
  const dhcp::Subnet probe{.network = s.network, .prefix = s.prefix};
  if (auto v = m.child("server_id")) {
    s.server_id = as_ipv4(*v);
    if (!probe.contains(s.server_id)) v->fail(to_string(s.server_id) + " is outside subnet " + cidr(s.network, s.prefix));
  }
  if (auto v = m.child("pools")) {
    std::vector<std::pair<dhcp::AddressRange, int>> ranges;
    for (const auto& item : v->items()) {
      auto r = parse_range(item);
      if (!probe.contains(r.first) || !probe.contains(r.last))
        item.fail("pool " + to_string(r.first) + "-" + to_string(r.last) + " is outside subnet " + cidr(s.network, s.prefix));
      if (r.contains(probe.network) || r.contains(probe.broadcast()))
        item.fail("pool includes the network or broadcast address of " + cidr(s.network, s.prefix));
      for (const auto& [other, line] : ranges)
        if (other.overlaps(r))
          item.fail("pool overlaps " + to_string(other.first) + "-" + to_string(other.last) + " (line " +
                    std::to_string(line) + ")");
      ranges.emplace_back(r, item.line());
      s.pools.push_back(r);
    }
  }
  if (auto v = m.child("reservations"))
    for (const auto& item : v->items()) s.reservations.push_back(parse_reservation(item, s, seen));
  if (auto v = m.child("options")) s.options = parse_options(*v);
  if (m.has("lease_time")) s.lease_time_ms = m.get_duration_ms("lease_time", 0, 60'000, kYear);
  else m.child("lease_time");
  if (m.has("max_lease_time")) s.max_lease_time_ms = m.get_duration_ms("max_lease_time", 0, 60'000, kYear);
  else m.child("max_lease_time");
  m.finish();
  return s;
}

DhcpBootRule parse_rule(const NodeReader& n) {
  MapReader m(n);
  DhcpBootRule r;
  r.name = m.get_string("name", "line " + std::to_string(n.line()));
  if (auto match = m.child("match")) {
    MapReader mm(*match);
    if (auto v = mm.child("arch")) r.arch = parse_arch_list(*v);
    r.vendor_class = mm.get_string("vendor_class", "");
    r.user_class = mm.get_string("user_class", "");
    if (mm.has("ipxe")) r.ipxe = mm.get_bool("ipxe", false);
    else mm.child("ipxe");
    if (auto v = mm.child("mac_prefix")) {
      auto raw = dhcp::parse_hex_bytes(v->as_string(), 16);
      if (!raw) v->fail("'" + v->as_string() + "' is not a MAC prefix like 52:54:00");
      r.mac_prefix.assign(raw->begin(), raw->end());
    }
    r.subnet = mm.get_string("subnet", "");
    r.vlan = get_vlan(mm);
    r.host = mm.get_string("host", "");
    mm.finish();
  }
  auto file = m.require("boot_file");
  r.boot_file = file.as_string();
  if (r.boot_file.empty()) file.fail("boot_file is empty");
  if (auto v = m.child("next_server")) r.next_server = as_ipv4(*v);
  r.server_name = m.get_string("server_name", "");
  m.finish();
  return r;
}

DhcpBoot parse_boot(const NodeReader& n) {
  MapReader m(n);
  DhcpBoot b;
  if (auto v = m.child("next_server")) b.next_server = as_ipv4(*v);
  b.server_name = m.get_string("server_name", "");
  if (auto files = m.child("files")) {
    if (!files->is_map()) files->fail("expected a mapping of architecture → boot file");
    for (const auto& kv : files->node()) {
      NodeReader key(kv.first, files->path() + "." + kv.first.Scalar(), files->file());
      NodeReader value(kv.second, key.path(), files->file());
      const auto codes = parse_arch_list(key);
      for (auto code : codes) b.files[code] = value.as_string();
    }
  }
  b.ipxe_script = m.get_string("ipxe_script", "");
  b.default_file = m.get_string("default", "");
  if (auto v = m.child("rules"))
    for (const auto& item : v->items()) b.rules.push_back(parse_rule(item));
  m.finish();
  return b;
}

DhcpHooks parse_hooks(const NodeReader& n) {
  MapReader m(n);
  DhcpHooks h;
  auto program = m.require("program");
  h.program = program.as_string();
  if (h.program.empty()) program.fail("program is empty");
  if (auto v = m.child("events")) {
    static const std::set<std::string> known{"granted", "renewed", "released", "declined", "expired"};
    h.events.clear();
    for (const auto& item : v->items()) {
      auto e = item.as_string();
      if (!known.contains(e)) item.fail("unknown event '" + e + "' (use granted, renewed, released, declined, expired)");
      h.events.push_back(std::move(e));
    }
  }
  h.max_running = static_cast<std::uint64_t>(m.get_int("max_running", 4, 1, 256));
  h.max_queued = static_cast<std::uint64_t>(m.get_int("max_queued", 1000, 0, 1'000'000));
  h.timeout_ms = m.get_duration_ms("timeout", h.timeout_ms, 100, kDay);
  m.finish();
  return h;
}

}  // namespace

DhcpSection parse_dhcp(const NodeReader& node) {
  MapReader m(node);
  DhcpSection s;
  s.enabled = m.get_bool("enabled", false);
  s.proxy = m.get_enum("mode", "server", {"server", "proxy"}) == "proxy";
  s.proxy_minimal_offer = m.get_enum("proxy_offer", "full", {"full", "minimal"}) == "minimal";
  if (s.proxy_minimal_offer && !s.proxy) m.child("proxy_offer")->fail("applies only with mode: proxy");
  s.authoritative = m.get_bool("authoritative", true);
  s.dynamic_bootp = m.get_bool("dynamic_bootp", false);
  if (auto v = m.child("server_id")) s.server_id = as_ipv4(*v);
  s.lease_database = m.get_string("lease_database", s.lease_database);
  s.lease_time_ms = m.get_duration_ms("lease_time", s.lease_time_ms, 60'000, kYear);
  s.max_lease_time_ms = m.get_duration_ms("max_lease_time", s.max_lease_time_ms, 60'000, kYear);
  s.min_lease_time_ms = m.get_duration_ms("min_lease_time", s.min_lease_time_ms, 10'000, kYear);
  s.offer_hold_ms = m.get_duration_ms("offer_hold", s.offer_hold_ms, 1'000, 600'000);
  s.decline_hold_ms = m.get_duration_ms("decline_hold", s.decline_hold_ms, 1'000, kDay);
  if (auto v = m.child("bootp_lease_time")) {
    if (v->is_scalar() && v->as_string() == "infinite") s.bootp_lease_time_ms.reset();
    else s.bootp_lease_time_ms = v->as_duration_ms(60'000, kYear);
  }
  s.max_message_size = static_cast<std::uint64_t>(m.get_int("max_message_size", 1472, 548, 65507));
  s.commit_delay_ms = m.get_duration_ms("commit_delay", s.commit_delay_ms, 0, 1'000);
  if (s.lease_time_ms > s.max_lease_time_ms) {
    auto where = m.child("lease_time");
    (where ? *where : node).fail("lease_time is longer than max_lease_time");
  }
  if (auto v = m.child("options")) s.options = parse_options(*v);
  if (auto v = m.child("interfaces")) {
    for (const auto& item : v->items()) {
      auto name = item.as_string();
      if (name.empty() || name.size() >= 16) item.fail("'" + name + "' is not an interface name");
      if (std::find(s.interfaces.begin(), s.interfaces.end(), name) != s.interfaces.end())
        item.fail("interface '" + name + "' is listed twice");
      s.interfaces.push_back(std::move(name));
    }
  }
  if (auto v = m.child("plugins")) {
    for (const auto& item : v->items()) {
      DhcpPlugin p;
      if (item.is_scalar()) {
        p.path = item.as_string();
      } else {
        MapReader pm(item);
        p.path = pm.require("path").as_string();
        p.config = pm.get_string("config", "");
        pm.finish();
      }
      if (p.path.empty()) item.fail("plugin path is empty");
      s.plugins.push_back(std::move(p));
    }
  }
  if (auto v = m.child("hooks")) s.hooks = parse_hooks(*v);

  Seen seen;
  if (auto v = m.child("subnets")) {
    std::map<std::string, int> names;
    std::map<std::uint16_t, int> vlans;
    std::vector<std::pair<dhcp::Subnet, int>> nets;
    for (const auto& item : v->items()) {
      auto sub = parse_subnet(item, seen);
      if (auto [it, fresh] = names.emplace(sub.name, item.line()); !fresh)
        item.fail("subnet name '" + sub.name + "' is already used at line " + std::to_string(it->second));
      if (sub.vlan)
        if (auto [it, fresh] = vlans.emplace(*sub.vlan, item.line()); !fresh)
          item.fail("vlan " + std::to_string(*sub.vlan) + " already has a subnet at line " + std::to_string(it->second));
      const dhcp::Subnet probe{.network = sub.network, .prefix = sub.prefix};
      for (const auto& [other, line] : nets)
        if (other.contains(probe.network) || probe.contains(other.network))
          item.fail(cidr(sub.network, sub.prefix) + " overlaps " + cidr(other.network, other.prefix) + " (line " +
                    std::to_string(line) + ")");
      nets.emplace_back(probe, item.line());
      s.subnets.push_back(std::move(sub));
    }
  }
  if (auto v = m.child("boot")) {
    s.boot = parse_boot(*v);
    // Rules may only name subnets that exist.
    auto rules = MapReader(*v).child("rules");
    for (std::size_t i = 0; i < s.boot.rules.size(); ++i) {
      const auto& r = s.boot.rules[i];
      if (!r.subnet.empty() &&
          std::none_of(s.subnets.begin(), s.subnets.end(), [&](const DhcpSubnet& x) { return x.name == r.subnet; }))
        rules->items()[i].fail("match.subnet '" + r.subnet + "' is not the name of any subnet");
    }
  }
  if (s.enabled && !s.proxy && s.subnets.empty()) node.fail("dhcp is enabled but no subnets are configured");
  if (s.interfaces.empty())
    for (const auto& sub : s.subnets)
      if (!sub.interface.empty() && std::find(s.interfaces.begin(), s.interfaces.end(), sub.interface) == s.interfaces.end())
        s.interfaces.push_back(sub.interface);
  s.ports = s.proxy ? std::vector<std::uint16_t>{67, 4011} : std::vector<std::uint16_t>{67};
  m.finish();
  return s;
}

std::vector<dhcp::OptionValue> to_option_values(const DhcpOptions& o) {
  namespace opt = dhcp::option;
  std::vector<dhcp::OptionValue> out;
  if (!o.router.empty()) out.push_back({opt::router, ip_bytes(o.router)});
  if (!o.dns.empty()) out.push_back({opt::dns_servers, ip_bytes(o.dns)});
  if (!o.domain.empty()) out.push_back({opt::domain_name, {o.domain.begin(), o.domain.end()}});
  if (!o.ntp.empty()) out.push_back({opt::ntp_servers, ip_bytes(o.ntp)});
  if (o.mtu) out.push_back({opt::interface_mtu, {static_cast<std::uint8_t>(*o.mtu >> 8), static_cast<std::uint8_t>(*o.mtu)}});
  if (!o.domain_search.empty()) out.push_back({opt::domain_search, encode_domain_list(o.domain_search).value_or(std::vector<std::uint8_t>{})});
  for (const auto& c : o.custom) out.push_back({c.code, c.data, c.always});
  return out;
}

dhcp::ServerConfig to_server_config(const DhcpSection& s) {
  using std::chrono::milliseconds;
  dhcp::ServerConfig c;
  c.server_id = s.server_id;
  c.authoritative = s.authoritative;
  c.proxy = s.proxy;
  c.proxy_minimal_offer = s.proxy_minimal_offer;
  c.dynamic_bootp = s.dynamic_bootp;
  c.lease_time = milliseconds(s.lease_time_ms);
  c.max_lease_time = milliseconds(s.max_lease_time_ms);
  c.min_lease_time = milliseconds(s.min_lease_time_ms);
  c.offer_hold = milliseconds(s.offer_hold_ms);
  c.decline_hold = milliseconds(s.decline_hold_ms);
  if (s.bootp_lease_time_ms) c.bootp_lease_time = milliseconds(*s.bootp_lease_time_ms);
  c.max_message_size = s.max_message_size;
  c.options = to_option_values(s.options);
  for (const auto& sub : s.subnets) {
    dhcp::Subnet e;
    e.name = sub.name;
    e.network = sub.network;
    e.prefix = sub.prefix;
    e.vlan = sub.vlan;
    e.interface = sub.interface;
    e.server_id = sub.server_id;
    e.pools = sub.pools;
    e.options = to_option_values(sub.options);
    if (sub.lease_time_ms) e.lease_time = milliseconds(*sub.lease_time_ms);
    if (sub.max_lease_time_ms) e.max_lease_time = milliseconds(*sub.max_lease_time_ms);
    for (const auto& r : sub.reservations) {
      dhcp::Reservation x;
      x.hw = r.mac;
      if (r.client_id) x.client_id = dhcp::ClientId{*r.client_id};
      x.address = r.address;
      x.hostname = r.hostname;
      x.boot = dhcp::BootTarget{r.boot_file, r.next_server, {}};
      x.options = to_option_values(r.options);
      e.reservations.push_back(std::move(x));
    }
    c.subnets.push_back(std::move(e));
  }
  return c;
}

dhcp::BootConfig to_boot_config(const DhcpSection& s) {
  dhcp::BootConfig b;
  const auto& in = s.boot;
  b.next_server = in.next_server;
  auto target = [&](const std::string& file) { return dhcp::BootTarget{file, 0, in.server_name}; };
  for (const auto& [code, file] : in.files) b.arch[code] = target(file);
  if (!in.ipxe_script.empty()) b.ipxe = target(in.ipxe_script);
  if (!in.default_file.empty()) b.fallback = target(in.default_file);
  for (const auto& r : in.rules) {
    dhcp::BootRule x;
    x.name = r.name;
    x.arch = r.arch;
    x.vendor_class = r.vendor_class;
    x.user_class = r.user_class;
    x.ipxe = r.ipxe;
    x.mac_prefix = r.mac_prefix;
    x.subnet = r.subnet;
    x.vlan = r.vlan;
    x.host = r.host;
    x.target = dhcp::BootTarget{r.boot_file, r.next_server, r.server_name.empty() ? in.server_name : r.server_name};
    b.rules.push_back(std::move(x));
  }
  return b;
}

}  // namespace bootgate::config
