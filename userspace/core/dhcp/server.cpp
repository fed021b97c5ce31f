#include "core/dhcp/server.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/dhcp/arch.hpp"

namespace bootgate::dhcp {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

std::uint32_t wire_seconds(Duration d) {
  if (d == Duration::max()) return 0xffffffffu;
  const auto s = duration_cast<seconds>(d).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(s, 0, 0xfffffffe));
}

TimePoint add(TimePoint t, Duration d) {
  if (d == Duration::max() || t > kNever - d) return kNever;
  return t + d;
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// RFC 3527 link selection inside option 82.
std::optional<Ipv4> link_selection(const Packet& p) {
  auto ri = p.options.get(option::relay_agent_info);
  if (!ri) return std::nullopt;
  std::size_t i = 0;
  while (i + 2 <= ri->size()) {
    const std::uint8_t code = (*ri)[i];
    const std::size_t len = (*ri)[i + 1];
    if (i + 2 + len > ri->size()) break;
    if (code == relay_suboption::link_selection && len == 4) {
      const auto* d = ri->data() + i + 2;
      return (Ipv4{d[0]} << 24) | (Ipv4{d[1]} << 16) | (Ipv4{d[2]} << 8) | d[3];
    }
    i += 2 + len;
  }
  return std::nullopt;
}

std::vector<std::uint8_t> ipv4_bytes(Ipv4 a) {
  return {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16), static_cast<std::uint8_t>(a >> 8),
          static_cast<std::uint8_t>(a)};
}

}  // namespace

std::string_view to_string(Destination::Kind k) {
  switch (k) {
    case Destination::Kind::relay: return "relay";
    case Destination::Kind::unicast: return "unicast";
    case Destination::Kind::broadcast: return "broadcast";
    case Destination::Kind::to_hw: return "unicast-to-chaddr";
  }
  return "?";
}

std::string_view to_string(Action a) {
  switch (a) {
    case Action::offered: return "offered";
    case Action::acked: return "acked";
    case Action::naked: return "naked";
    case Action::informed: return "informed";
    case Action::released: return "released";
    case Action::declined: return "declined";
    case Action::bootp_reply: return "bootp-reply";
    case Action::proxy_offer: return "proxy-offer";
    case Action::proxy_ack: return "proxy-ack";
    case Action::ignored: return "ignored";
    case Action::malformed: return "malformed";
  }
  return "?";
}

// Everything derived from one request, computed once.
struct Server::Client {
  const Packet& req;
  const Received& in;
  std::optional<MessageType> type;
  ClientId id;
  HwAddress hw;
  const Subnet* subnet = nullptr;
  std::string subnet_reason;
  const Reservation* reservation = nullptr;
  std::optional<std::uint16_t> arch;
  std::string_view vendor_class;
  std::vector<std::string> user_classes;
  bool pxe = false;   // option 60 "PXEClient..."
  bool http = false;  // option 60 "HTTPClient..." or an HTTP arch
  bool ipxe = false;
  std::optional<Ipv4> requested;
  std::optional<Ipv4> server_id;
  std::string hostname;
};

Server::Server(ServerConfig config, LeaseStore& store, const BootPolicy& boot)
    : config_(std::move(config)), store_(store), boot_(boot) {
  for (const auto& s : config_.subnets) {
    std::vector<Ipv4> ex;
    for (const auto& r : s.reservations)
      if (r.address) ex.push_back(r.address);
    for (Ipv4 id : {config_.server_id, s.server_id})
      if (id && s.contains(id)) ex.push_back(id);
    ex.push_back(s.network);
    ex.push_back(s.broadcast());
    std::sort(ex.begin(), ex.end());
    ex.erase(std::unique(ex.begin(), ex.end()), ex.end());
    excluded_.push_back(std::move(ex));
  }
}

std::span<const Ipv4> Server::excluded_for(const Subnet& s) const {
  return excluded_[static_cast<std::size_t>(&s - config_.subnets.data())];
}

const Subnet* Server::subnet_containing(Ipv4 a) const {
  for (const auto& s : config_.subnets)
    if (s.contains(a)) return &s;
  return nullptr;
}

Server::SubnetChoice Server::select_subnet(const Packet& req, const Received& in) const {
  auto by_address = [&](Ipv4 a, std::string what) -> SubnetChoice {
    if (const auto* s = subnet_containing(a)) return {s, what + " " + to_string(a)};
    return {nullptr, "no subnet contains " + what + " " + to_string(a)};
  };
  if (req.giaddr)
    if (auto ls = link_selection(req)) return by_address(*ls, "relay link selection");
  if (auto sel = req.options.get_ipv4(option::subnet_selection)) return by_address(*sel, "option 118");
  if (req.giaddr) return by_address(req.giaddr, "relay");
  if (in.vlan) {
    for (const auto& s : config_.subnets)
      if (s.vlan == in.vlan) return {&s, "vlan " + std::to_string(*in.vlan)};
    return {nullptr, "no subnet for vlan " + std::to_string(*in.vlan)};
  }
  if (!in.interface.empty())
    for (const auto& s : config_.subnets)
      if (!s.vlan && s.interface == in.interface) return {&s, "interface " + std::string(in.interface)};
  if (auto local = from_ip(in.local); local && *local)
    for (const auto& s : config_.subnets)
      if (!s.vlan && (s.interface.empty() || s.interface == in.interface) && s.contains(*local))
        return {&s, "local address " + to_string(*local)};
  const Subnet* only = nullptr;
  int unconstrained = 0;
  for (const auto& s : config_.subnets)
    if (!s.vlan && s.interface.empty()) {
      only = &s;
      ++unconstrained;
    }
  if (unconstrained == 1) return {only, "the only subnet"};
  return {nullptr, "no subnet for this link"};
}

const Reservation* Server::find_reservation(const Subnet& s, const ClientId& id, const HwAddress& hw) const {
  for (const auto& r : s.reservations)
    if (r.client_id && *r.client_id == id) return &r;
  for (const auto& r : s.reservations)
    if (r.hw && *r.hw == hw) return &r;
  return nullptr;
}

Server::Client Server::make_client(const Packet& req, const Received& in) const {
  Client c{req, in};
  c.type = req.message_type();
  c.hw = req.hw_address();
  if (auto cid = req.options.get_string(option::client_id); cid && !cid->empty())
    c.id = ClientId::from_option(*cid);
  else
    c.id = ClientId::from_hw(c.hw);
  auto choice = select_subnet(req, in);
  c.subnet = choice.subnet;
  c.subnet_reason = std::move(choice.reason);
  if (c.subnet) c.reservation = find_reservation(*c.subnet, c.id, c.hw);
  if (auto a = req.options.get(option::client_arch); a && a->size() >= 2)
    c.arch = static_cast<std::uint16_t>(((*a)[0] << 8) | (*a)[1]);
  c.vendor_class = req.options.get_string(option::vendor_class).value_or("");
  c.user_classes = parse_user_classes(req.options.get_string(option::user_class).value_or(""));
  c.pxe = c.vendor_class.starts_with("PXEClient");
  c.http = c.vendor_class.starts_with("HTTPClient") || (c.arch && is_http_arch(*c.arch));
  c.ipxe = req.options.has(option::ipxe_encap) ||
           std::find(c.user_classes.begin(), c.user_classes.end(), "iPXE") != c.user_classes.end();
  c.requested = req.options.get_ipv4(option::requested_address);
  c.server_id = req.options.get_ipv4(option::server_id);
  if (c.reservation && !c.reservation->hostname.empty())
    c.hostname = c.reservation->hostname;
  else if (auto h = req.options.get_string(option::hostname))
    c.hostname = std::string(*h);
  return c;
}

Ipv4 Server::server_id_for(const Client& c) const {
  if (c.subnet && c.subnet->server_id) return c.subnet->server_id;
  if (config_.server_id) return config_.server_id;
  return from_ip(c.in.local).value_or(0);
}

bool Server::address_valid_for(const Client& c, Ipv4 a) const {
  if (!c.subnet || !c.subnet->contains(a)) return false;
  if (c.reservation && c.reservation->address == a) return true;
  const auto ex = excluded_for(*c.subnet);
  return in_ranges(c.subnet->pools, a) && !std::binary_search(ex.begin(), ex.end(), a);
}

Duration Server::lease_time_for(const Client& c) const {
  Duration base = config_.lease_time;
  Duration max = config_.max_lease_time;
  if (c.subnet && c.subnet->lease_time) base = *c.subnet->lease_time;
  if (c.subnet && c.subnet->max_lease_time) max = *c.subnet->max_lease_time;
  if (auto asked = c.req.options.get_u32(option::lease_time)) {
    const Duration want = *asked == 0xffffffffu ? Duration::max() : Duration(seconds(*asked));
    return std::clamp(want, std::min(config_.min_lease_time, max), max);
  }
  return std::min(base, max);
}

Server::AddressChoice Server::choose_address(const Client& c, TimePoint now) const {
  if (!c.subnet) return {std::nullopt, "no subnet: " + c.subnet_reason};
  if (c.reservation && c.reservation->address) {
    const Ipv4 r = c.reservation->address;
    if (auto held = store_.find_by_address(r); held && !free_for(*held, c.id, now))
      return {std::nullopt, "reserved address " + to_string(r) + " is held by another client"};
    return {r, "reservation"};
  }
  for (const auto& l : store_.find_by_client(c.id))
    if (l.state != LeaseState::declined && address_valid_for(c, l.address))
      return {l.address, l.state == LeaseState::offered ? "pending offer" : "previous lease"};
  if (c.requested && address_valid_for(c, *c.requested)) {
    auto held = store_.find_by_address(*c.requested);
    if (!held || free_for(*held, c.id, now)) return {*c.requested, "requested address"};
  }
  return {std::nullopt, "pool of subnet " + c.subnet->name, true};
}

std::optional<BootDecision> Server::boot_for(const Client& c) const {
  BootRequest q;
  q.hw = c.hw;
  q.arch = c.arch;
  q.vendor_class = c.vendor_class;
  q.user_classes = c.user_classes;
  q.ipxe = c.ipxe;
  q.subnet = c.subnet ? std::string_view(c.subnet->name) : std::string_view{};
  q.vlan = c.in.vlan;
  q.host = c.reservation ? std::string_view(c.reservation->hostname) : std::string_view{};
  q.reservation = c.reservation ? &c.reservation->boot : nullptr;
  return boot_.decide(q);
}

// ---- entry point ----

Outcome Server::handle(const Received& in) {
  auto parsed = parse(in.payload);
  if (!parsed) return Outcome{Action::malformed, std::string(to_string(parsed.error()))};
  const Packet& req = *parsed;
  if (req.op != Op::request) return Outcome{Action::ignored, "not a BOOTREQUEST"};
  Client c = make_client(req, in);
  Outcome out = dispatch(c, req);
  if (c.subnet) out.subnet = c.subnet->name;
  return out;
}

Outcome Server::dispatch(Client& c, const Packet& req) {
  const Received& in = c.in;
  if (in.local_port == kPxePort) return on_boot_server(c);
  if (!c.type) {
    if (req.options.has(option::message_type)) return Outcome{Action::ignored, "unknown DHCP message type"};
    return on_bootp(c);
  }
  if (config_.proxy) return on_proxy(c);
  switch (*c.type) {
    case MessageType::discover: return on_discover(c);
    case MessageType::request: return on_request(c);
    case MessageType::decline: return on_decline(c);
    case MessageType::release: return on_release(c);
    case MessageType::inform: return on_inform(c);
    default: return Outcome{Action::ignored, std::string(to_string(*c.type)) + " is not sent to servers"};
  }
}

Outcome Server::on_discover(const Client& c) {
  const TimePoint now = c.in.now;
  auto choice = choose_address(c, now);
  Lease lease;
  if (choice.dynamic) {
    AllocationRequest r{c.subnet->pools, excluded_for(*c.subnet), c.id, c.hw, c.hostname,
                        add(now, config_.offer_hold)};
    auto l = store_.allocate(r, now);
    if (!l) return Outcome{Action::ignored, "no free address in subnet " + c.subnet->name};
    lease = *l;
  } else if (choice.address) {
    auto held = store_.find_by_address(*choice.address);
    if (held && held->client == c.id && held->state == LeaseState::bound && held->active(now)) {
      lease = *held;  // keep the binding: the client may simply have rebooted
    } else {
      lease = Lease{*choice.address, c.id, c.hw, c.hostname, LeaseState::offered, add(now, config_.offer_hold)};
      if (!store_.commit(lease, now)) return Outcome{Action::ignored, "address " + to_string(lease.address) + " is taken"};
    }
  } else {
    return Outcome{Action::ignored, choice.reason};
  }
  drop_others(c, lease.address, true);
  Outcome o{Action::offered, to_string(lease.address) + " (" + choice.reason + ")"};
  o.reply = build_reply(c, MessageType::offer, lease.address, lease_time_for(c), Boot::full);
  o.lease = lease;
  return o;
}

Outcome Server::nak(const Client& c, std::string reason) {
  Outcome o{Action::naked, std::move(reason)};
  o.reply = build_reply(c, MessageType::nak, 0, std::nullopt, Boot::none, false);
  return o;
}

Outcome Server::bind(const Client& c, Ipv4 a, std::string why) {
  const TimePoint now = c.in.now;
  if (c.reservation && c.reservation->address && c.reservation->address != a)
    return nak(c, "client has a reservation for " + to_string(c.reservation->address));
  if (!address_valid_for(c, a)) return nak(c, to_string(a) + " is not in a pool of subnet " + c.subnet->name);
  const Duration lt = lease_time_for(c);
  Lease lease{a, c.id, c.hw, c.hostname, LeaseState::bound, add(now, lt)};
  if (!store_.commit(lease, now)) return nak(c, to_string(a) + " is in use by another client");
  drop_others(c, a, false);
  Outcome o{Action::acked, to_string(a) + " (" + why + ")"};
  o.reply = build_reply(c, MessageType::ack, a, lt, Boot::full);
  o.lease = lease;
  o.store_changed = true;
  return o;
}

void Server::drop_others(const Client& c, Ipv4 keep, bool offers_only) {
  for (const auto& l : store_.find_by_client(c.id))
    if (l.address != keep && c.subnet->contains(l.address) &&
        (l.state == LeaseState::offered || (!offers_only && l.state == LeaseState::bound)))
      store_.release(l.address, c.id);
}

Outcome Server::on_request(Client& c) {
  const Packet& req = c.req;
  if (c.server_id) {  // SELECTING
    if (*c.server_id != server_id_for(c)) {
      for (const auto& l : store_.find_by_client(c.id))
        if (l.state == LeaseState::offered) store_.release(l.address, c.id);
      return Outcome{Action::ignored, "client chose server " + to_string(*c.server_id)};
    }
    const Ipv4 a = c.requested.value_or(req.ciaddr);
    if (!a) return Outcome{Action::ignored, "REQUEST (selecting) without a requested address"};
    if (!c.subnet) return Outcome{Action::ignored, "no subnet: " + c.subnet_reason};
    if (!c.subnet->contains(a)) return nak(c, to_string(a) + " is not on subnet " + c.subnet->name);
    return bind(c, a, "selecting");
  }
  auto known = [&](Ipv4 a) {
    auto l = store_.find_by_address(a);
    return l && l->client == c.id && l->state != LeaseState::declined;
  };
  if (c.requested && req.ciaddr == 0) {  // INIT-REBOOT
    const Ipv4 a = *c.requested;
    if (!c.subnet) return Outcome{Action::ignored, "no subnet: " + c.subnet_reason};
    if (!c.subnet->contains(a)) return nak(c, to_string(a) + " is on the wrong network for subnet " + c.subnet->name);
    if (!known(a) && !config_.authoritative) return Outcome{Action::ignored, "no record of this client (not authoritative)"};
    return bind(c, a, "init-reboot");
  }
  if (req.ciaddr) {  // RENEWING (unicast) or REBINDING (broadcast)
    const Ipv4 a = req.ciaddr;
    const bool link_known = req.giaddr || c.in.vlan;  // the link is certain: trust it over ciaddr
    if (!c.subnet || !c.subnet->contains(a)) {
      if (link_known && c.subnet) return nak(c, to_string(a) + " is on the wrong network for subnet " + c.subnet->name);
      if (const auto* s = subnet_containing(a)) {
        c.subnet = s;
        c.reservation = find_reservation(*s, c.id, c.hw);
      } else if (c.subnet) {
        return nak(c, to_string(a) + " is not on any of our subnets");
      } else {
        return Outcome{Action::ignored, "renewal for an address we do not serve"};
      }
    }
    if (!known(a) && !config_.authoritative) return Outcome{Action::ignored, "no record of this client (not authoritative)"};
    return bind(c, a, c.in.to_broadcast || req.giaddr ? "rebinding" : "renewing");
  }
  return Outcome{Action::ignored, "REQUEST without server id, requested address or ciaddr"};
}

Outcome Server::on_decline(const Client& c) {
  if (c.server_id && *c.server_id != server_id_for(c)) return Outcome{Action::ignored, "DECLINE for another server"};
  if (!c.requested) return Outcome{Action::ignored, "DECLINE without requested address"};
  const Ipv4 a = *c.requested;
  auto held = store_.find_by_address(a);
  if (!held || !(held->client == c.id)) return Outcome{Action::ignored, "DECLINE of " + to_string(a) + " not leased to this client"};
  store_.decline(a, add(c.in.now, config_.decline_hold));
  Outcome o{Action::declined, to_string(a) + " quarantined"};
  o.lease = held;
  o.store_changed = true;
  return o;
}

Outcome Server::on_release(const Client& c) {
  if (c.server_id && *c.server_id != server_id_for(c)) return Outcome{Action::ignored, "RELEASE for another server"};
  const Ipv4 a = c.req.ciaddr;
  auto held = store_.find_by_address(a);
  if (!a || !held || !store_.release(a, c.id)) return Outcome{Action::ignored, "RELEASE of an address this client does not hold"};
  Outcome o{Action::released, to_string(a)};
  o.lease = held;
  o.store_changed = true;
  return o;
}

Outcome Server::on_inform(Client& c) {
  const Ipv4 a = c.req.ciaddr;
  if (a && (!c.subnet || !c.subnet->contains(a))) {
    if (const auto* s = subnet_containing(a)) {
      c.subnet = s;
      c.reservation = find_reservation(*s, c.id, c.hw);
    }
  }
  if (!c.subnet) return Outcome{Action::ignored, "no subnet: " + c.subnet_reason};
  Outcome o{Action::informed, "configuration for " + to_string(a)};
  o.reply = build_reply(c, MessageType::ack, 0, std::nullopt, Boot::full);
  return o;
}

Outcome Server::on_bootp(const Client& c) {
  if (config_.proxy) return Outcome{Action::ignored, "BOOTP request in proxy mode"};
  if (!c.subnet) return Outcome{Action::ignored, "no subnet: " + c.subnet_reason};
  const TimePoint now = c.in.now;
  const Duration lt = config_.bootp_lease_time.value_or(kInfinite);
  std::optional<Ipv4> address;
  std::string why;
  if (c.reservation && c.reservation->address) {
    address = c.reservation->address;
    why = "reservation";
  } else if (config_.dynamic_bootp) {
    auto choice = choose_address(c, now);
    if (choice.dynamic) {
      AllocationRequest r{c.subnet->pools, excluded_for(*c.subnet), c.id, c.hw, c.hostname, add(now, config_.offer_hold)};
      if (auto found = store_.find_free(r, now)) address = *found;
    } else {
      address = choice.address;
    }
    why = "dynamic BOOTP";
    if (!address) return Outcome{Action::ignored, "no free address for BOOTP client"};
  } else {
    return Outcome{Action::ignored, "BOOTP client without a reservation (dynamic BOOTP is off)"};
  }
  Lease lease{*address, c.id, c.hw, c.hostname, LeaseState::bound, add(now, lt)};
  if (!store_.commit(lease, now)) return Outcome{Action::ignored, to_string(*address) + " is in use by another client"};
  drop_others(c, *address, false);
  Outcome o{Action::bootp_reply, to_string(*address) + " (" + why + ")"};
  o.reply = build_reply(c, std::nullopt, *address, std::nullopt, Boot::full);
  o.lease = lease;
  o.store_changed = true;
  return o;
}

Outcome Server::on_proxy(const Client& c) {
  if (!c.pxe && !c.http) return Outcome{Action::ignored, "proxy mode: not a PXE client"};
  if (c.type != MessageType::discover) {
    // The real DHCP server handles REQUESTs; PXE clients then ask us on port 4011.
    if (c.type != MessageType::request || c.server_id != server_id_for(c))
      return Outcome{Action::ignored, "proxy mode: only DISCOVER on port 67"};
  }
  if (!boot_for(c)) return Outcome{Action::ignored, "proxy mode: no boot file for this client"};
  const bool discover = c.type == MessageType::discover;
  // HTTP-boot firmware has no port-4011 step: its URL always comes in the offer.
  const bool minimal = discover && config_.proxy_minimal_offer && c.pxe && !c.http;
  Outcome o{discover ? Action::proxy_offer : Action::proxy_ack,
            minimal ? "PXE identity only; the boot file follows on port 4011" : "boot information"};
  o.reply = build_reply(c, discover ? MessageType::offer : MessageType::ack, 0, std::nullopt,
                        minimal ? Boot::identity : Boot::full, false);
  return o;
}

Outcome Server::on_boot_server(const Client& c) {
  if (c.type != MessageType::request && c.type != MessageType::inform)
    return Outcome{Action::ignored, "port 4011 takes REQUEST or INFORM"};
  if (!c.pxe && !c.http) return Outcome{Action::ignored, "port 4011: not a PXE client"};
  if (!boot_for(c)) return Outcome{Action::ignored, "port 4011: no boot file for this client"};
  Outcome o{Action::proxy_ack, "boot information (port 4011)"};
  o.reply = build_reply(c, MessageType::ack, 0, std::nullopt, Boot::full, false);
  return o;
}

// ---- replies ----

Reply Server::build_reply(const Client& c, std::optional<MessageType> type, Ipv4 yiaddr, std::optional<Duration> lease,
                          Boot boot_info, bool with_site_options) const {
  const Packet& req = c.req;
  std::string boot_file, boot_rule;
  Packet r;
  r.op = Op::reply;
  r.htype = req.htype;
  r.hlen = req.hlen;
  r.chaddr = req.chaddr;
  r.xid = req.xid;
  r.flags = req.flags;
  r.giaddr = req.giaddr;
  r.yiaddr = yiaddr;
  if (type == MessageType::ack) r.ciaddr = req.ciaddr;
  r.has_cookie = req.has_cookie;
  const Ipv4 sid = server_id_for(c);
  auto& o = r.options;
  const auto prl = req.options.get(option::parameter_request_list);
  auto asked = [&](std::uint8_t code) {
    return !prl || std::find(prl->begin(), prl->end(), code) != prl->end();
  };

  if (type) o.set_u8(option::message_type, static_cast<std::uint8_t>(*type));
  if (type && sid) o.set_ipv4(option::server_id, sid);
  if (type == MessageType::nak) {
    if (req.giaddr) r.flags |= Packet::kBroadcastFlag;  // RFC 2131 §4.3.2: the relay must broadcast it
    r.yiaddr = 0;
    r.ciaddr = 0;
  }
  if (lease) {
    o.set_u32(option::lease_time, wire_seconds(*lease));
    if (*lease != kInfinite) {
      o.set_u32(option::renewal_time, wire_seconds(*lease / 2));
      o.set_u32(option::rebinding_time, wire_seconds(*lease * 7 / 8));
    }
  }
  if (auto cid = req.options.get(option::client_id)) o.set(option::client_id, *cid);  // RFC 6842
  if (req.giaddr)
    if (auto ri = req.options.get(option::relay_agent_info)) o.set(option::relay_agent_info, *ri);  // RFC 3046

  if (type != MessageType::nak && with_site_options && c.subnet) {
    o.set_u32(option::subnet_mask, c.subnet->mask());
    // Global, then subnet, then reservation: later ones override by code.
    std::map<std::uint8_t, const OptionValue*> site;
    for (const auto& v : config_.options) site[v.code] = &v;
    for (const auto& v : c.subnet->options) site[v.code] = &v;
    if (c.reservation)
      for (const auto& v : c.reservation->options) site[v.code] = &v;
    OptionValue broadcast{option::broadcast_address, ipv4_bytes(c.subnet->broadcast())};
    if (!site.contains(option::broadcast_address) && prl) site[option::broadcast_address] = &broadcast;
    OptionValue hostname{option::hostname, {}};
    if (c.reservation && !c.reservation->hostname.empty()) {
      auto h = bytes_of(c.reservation->hostname);
      hostname.data.assign(h.begin(), h.end());
      site[option::hostname] = &hostname;
    }
    // What the client asked for, in its order, then what is always sent.
    if (prl)
      for (auto code : *prl)
        if (auto it = site.find(code); it != site.end() && !o.has(code)) o.set(code, it->second->data);
    for (const auto& [code, v] : site)
      if ((!prl || v->always) && !o.has(code)) o.set(code, v->data);
  }

  if (boot_info != Boot::none && type != MessageType::nak) {
    if (c.pxe) o.set(option::vendor_class, std::string_view("PXEClient"));
    if (c.http) o.set(option::vendor_class, std::string_view("HTTPClient"));
    if (auto uuid = req.options.get(option::client_uuid); uuid && (c.pxe || c.http)) o.set(option::client_uuid, *uuid);
  }
  if (boot_info == Boot::full && type != MessageType::nak) {
    if (auto boot = boot_for(c)) {
      const auto& t = boot->target;
      boot_file = t.file;
      boot_rule = boot->rule;
      if (!boot->hostname.empty() && !o.has(option::hostname)) o.set(option::hostname, boot->hostname);
      r.siaddr = t.next_server ? t.next_server : sid;
      if (t.file.size() < kFileSize) r.file = t.file;
      if (t.server_name.size() < kSnameSize) r.sname = t.server_name;
      if (c.pxe && !c.ipxe && !o.has(option::vendor_specific)) {
        // PXE discovery control (sub-option 6) = 8: boot the file named here, no boot-server discovery.
        const std::uint8_t pxe_vendor[] = {6, 1, 8, option::end};
        o.set(option::vendor_specific, pxe_vendor);
      }
      if (!t.server_name.empty() && (prl && asked(option::tftp_server_name)))
        o.set(option::tftp_server_name, t.server_name);
      else if (prl && asked(option::tftp_server_name))
        o.set(option::tftp_server_name, to_string(r.siaddr));
      if ((prl && asked(option::bootfile_name)) || r.file.empty() || c.http) o.set(option::bootfile_name, t.file);
    }
  }

  EncodeLimits limits;
  limits.max_size = reply_size_limit(req, config_.max_message_size);
  if (!c.type && !req.options.has(option::max_message_size)) {
    limits.max_size = kBootpMinSize;  // BOOTP clients expect the RFC 951 size and know no overload
    limits.allow_overload = false;
  }
  Reply out;
  out.type = type;
  out.boot_file = std::move(boot_file);
  out.boot_rule = std::move(boot_rule);
  encode(r, limits, out.payload);
  out.destination = destination_for(c, r);
  return out;
}

Destination Server::destination_for(const Client& c, const Packet& reply) const {
  const Packet& req = c.req;
  Destination d;
  d.hw = c.hw;
  d.ifindex = c.in.ifindex;
  d.vlan = c.in.vlan;
  d.from = to_ip(server_id_for(c));
  auto set = [&d](Destination::Kind k, Ipv4 ip, std::uint16_t port) {
    d.kind = k;
    d.to = Endpoint{to_ip(ip), port};
  };
  if (c.in.local_port == kPxePort) {  // PXE boot server: answer where the request came from
    d.kind = Destination::Kind::unicast;
    d.to = c.in.source;
  } else if (req.giaddr) {
    set(Destination::Kind::relay, req.giaddr, kServerPort);
  } else if (c.type == MessageType::nak) {
    set(Destination::Kind::broadcast, kBroadcast, kClientPort);
  } else if (req.ciaddr) {
    set(Destination::Kind::unicast, req.ciaddr, kClientPort);
  } else if (req.broadcast() || !reply.yiaddr) {
    set(Destination::Kind::broadcast, kBroadcast, kClientPort);
  } else {
    set(Destination::Kind::to_hw, reply.yiaddr, kClientPort);
  }
  return d;
}

// ---- explain ----

Explanation Server::explain(const ExplainQuery& q, TimePoint now) const {
  Packet req;
  req.op = Op::request;
  req.htype = q.hw.type;
  req.hlen = q.hw.length;
  std::copy_n(q.hw.bytes.begin(), 16, req.chaddr.begin());
  req.giaddr = q.relay;
  req.options.set_u8(option::message_type, static_cast<std::uint8_t>(MessageType::discover));
  if (q.client_id) req.options.set(option::client_id, q.client_id->bytes);
  if (q.arch) req.options.set_u16(option::client_arch, *q.arch);
  std::string vendor = q.vendor_class;
  if (vendor.empty() && q.arch) vendor = is_http_arch(*q.arch) ? "HTTPClient" : "PXEClient";
  if (!vendor.empty()) req.options.set(option::vendor_class, vendor);
  if (!q.user_class.empty()) req.options.set(option::user_class, q.user_class);
  Received in;
  in.local = to_ip(q.local);
  in.interface = q.interface;
  in.vlan = q.vlan;
  in.now = now;

  const Client c = make_client(req, in);
  Explanation e;
  e.proxy = config_.proxy;
  if (c.subnet) e.subnet = c.subnet->name;
  e.subnet_reason = c.subnet_reason;
  e.hostname = c.hostname;
  if (config_.proxy) {
    e.address_reason = "proxy mode: addresses come from another server";
  } else {
    auto choice = choose_address(c, now);
    if (choice.dynamic) {
      AllocationRequest r{c.subnet->pools, excluded_for(*c.subnet), c.id, c.hw, c.hostname, now};
      choice.address = store_.find_free(r, now);
      choice.reason = choice.address ? "next free address in the " + choice.reason : "no free address in the " + choice.reason;
    }
    e.address = choice.address;
    e.address_reason = choice.reason;
  }
  e.boot = boot_for(c);
  return e;
}

}  // namespace bootgate::dhcp
