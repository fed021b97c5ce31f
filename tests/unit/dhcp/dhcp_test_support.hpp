#pragma once
// Helpers for the DHCP engine tests: build client packets, feed them to a Server with a virtual
// clock, read the replies back with the real parser.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/dhcp/memory_lease_store.hpp"
#include "core/dhcp/packet.hpp"
#include "core/dhcp/server.hpp"

namespace bootgate::dhcp::testing {

inline Ipv4 ip(const char* text) { return *parse_ipv4(text); }

inline HwAddress mac(std::uint8_t last, std::uint8_t second_last = 0) {
  return HwAddress::ethernet({0x52, 0x54, 0x00, 0x12, second_last, last});
}

// A client-side packet under construction.
struct ClientPacket {
  Packet p;

  ClientPacket(MessageType type, const HwAddress& hw, std::uint32_t xid = 0x1234) {
    p.op = Op::request;
    p.htype = hw.type;
    p.hlen = hw.length;
    std::copy(hw.bytes.begin(), hw.bytes.end(), p.chaddr.begin());
    p.xid = xid;
    p.options.set_u8(option::message_type, static_cast<std::uint8_t>(type));
  }
  static ClientPacket bootp(const HwAddress& hw) {
    ClientPacket c(MessageType::discover, hw);
    c.p.options.clear();
    return c;
  }
  ClientPacket& requested(Ipv4 a) { p.options.set_ipv4(option::requested_address, a); return *this; }
  ClientPacket& server_id(Ipv4 a) { p.options.set_ipv4(option::server_id, a); return *this; }
  ClientPacket& ciaddr(Ipv4 a) { p.ciaddr = a; return *this; }
  ClientPacket& giaddr(Ipv4 a) { p.giaddr = a; p.hops = 1; return *this; }
  ClientPacket& broadcast() { p.flags |= Packet::kBroadcastFlag; return *this; }
  ClientPacket& prl(std::vector<std::uint8_t> codes) { p.options.set(option::parameter_request_list, codes); return *this; }
  ClientPacket& arch(std::uint16_t a) { p.options.set_u16(option::client_arch, a); return *this; }
  ClientPacket& vendor(std::string_view v) { p.options.set(option::vendor_class, v); return *this; }
  ClientPacket& user_class(std::string_view v) { p.options.set(option::user_class, v); return *this; }
  ClientPacket& client_id(std::string_view v) { p.options.set(option::client_id, v); return *this; }
  ClientPacket& opt(std::uint8_t code, std::vector<std::uint8_t> v) { p.options.set(code, v); return *this; }
  ClientPacket& pxe(std::uint16_t arch_code) {
    vendor(arch_code >= 15 && arch_code <= 20 ? "HTTPClient:Arch:00016:UNDI:003016" : "PXEClient:Arch:00000:UNDI:002001");
    arch(arch_code);
    std::vector<std::uint8_t> uuid(17, 0xab);
    uuid[0] = 0;
    return opt(option::client_uuid, uuid);
  }

  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out;
    EncodeLimits l;
    l.max_size = 1500;
    encode(p, l, out);
    return out;
  }
};

// A Server over an in-memory store, driven by a virtual clock.
struct Harness {
  MemoryLeaseStore store;
  RuleBootPolicy boot;
  Server server;
  TimePoint now{std::chrono::hours(1000)};
  IpAddress local = IpAddress::v4(ip("10.0.0.1"));
  std::optional<std::uint16_t> vlan;
  std::string interface;

  explicit Harness(ServerConfig config, BootConfig boot_config = {})
      : boot(std::move(boot_config)), server(std::move(config), store, boot) {}

  Outcome send(const ClientPacket& c, std::uint16_t port = kServerPort, Endpoint from = Endpoint{IpAddress::v4(0u), kClientPort}) {
    last_bytes = c.bytes();
    Received in;
    in.payload = last_bytes;
    in.source = from;
    in.local = local;
    in.local_port = port;
    in.ifindex = 2;
    in.interface = interface;
    in.vlan = vlan;
    in.now = now;
    return server.handle(in);
  }
  void advance(Duration d) { now += d; }
  std::vector<std::uint8_t> last_bytes;
};

inline Packet reply_of(const Outcome& o) {
  auto parsed = parse(o.reply->payload);
  if (!parsed) throw std::runtime_error("reply did not parse: " + std::string(to_string(parsed.error())));
  return std::move(parsed).value();
}

// One /24 with a pool of .100-.199, router and DNS.
inline ServerConfig basic_config() {
  ServerConfig cfg;
  cfg.server_id = ip("10.0.0.1");
  Subnet s;
  s.name = "lan";
  s.network = ip("10.0.0.0");
  s.prefix = 24;
  s.pools.push_back({ip("10.0.0.100"), ip("10.0.0.199")});
  s.options.push_back({option::router, {10, 0, 0, 1}});
  s.options.push_back({option::dns_servers, {10, 0, 0, 53}});
  s.options.push_back({option::domain_name, {'l', 'a', 'b'}});
  cfg.subnets.push_back(s);
  return cfg;
}

}  // namespace bootgate::dhcp::testing
