#pragma once
// What the DHCP engine needs to know about the site, as plain data. Built from YAML by
// config/dhcp_config.cpp; tests build it by hand.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/dhcp/boot_policy.hpp"
#include "core/dhcp/hw_address.hpp"
#include "core/dhcp/ipv4.hpp"
#include "core/dhcp/lease.hpp"
#include "core/dhcp/pool.hpp"

namespace bootgate::dhcp {

// An option value as it goes on the wire.
struct OptionValue {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> data;
  bool always = false;  // send even when the client did not ask for it (parameter request list)
  bool operator==(const OptionValue&) const = default;
};

struct Reservation {
  std::optional<HwAddress> hw;        // match by chaddr ...
  std::optional<ClientId> client_id;  // ... or by option 61
  Ipv4 address = 0;                   // 0: no fixed address (boot file / hostname only)
  std::string hostname;
  BootTarget boot;
  std::vector<OptionValue> options;
};

struct Subnet {
  std::string name;  // for rules, logs and `explain`; the network in CIDR form when not given
  Ipv4 network = 0;
  unsigned prefix = 24;
  std::optional<std::uint16_t> vlan;  // tagged traffic with this VLAN id lands here
  std::string interface;              // untagged traffic on this interface lands here
  std::vector<AddressRange> pools;
  std::vector<Reservation> reservations;
  std::vector<OptionValue> options;   // over the global ones
  std::optional<Duration> lease_time;
  std::optional<Duration> max_lease_time;
  Ipv4 server_id = 0;                 // our address on this subnet; 0: the global one, else where it came in

  Ipv4 mask() const { return prefix_mask(prefix); }
  Ipv4 broadcast() const { return network | ~mask(); }
  bool contains(Ipv4 a) const { return (a & mask()) == network; }
};

struct ServerConfig {
  std::vector<Subnet> subnets;
  std::vector<OptionValue> options;  // for every subnet
  Ipv4 server_id = 0;                // 0: the address the request came in on
  bool authoritative = true;         // ACK a valid free address for a client we have no record of
  bool proxy = false;                // ProxyDHCP: boot information only, no addresses
  // ProxyDHCP, PXE clients: the port-67 offer only says "PXEClient", so the client asks on port
  // 4011 for its boot file (the PXE two-step), with the address the other server gave it.
  bool proxy_minimal_offer = false;
  bool dynamic_bootp = false;        // BOOTP clients without a reservation get a pool address
  Duration lease_time = std::chrono::hours(1);
  Duration max_lease_time = std::chrono::hours(24);
  Duration min_lease_time = std::chrono::minutes(2);
  Duration offer_hold = std::chrono::seconds(60);  // how long an OFFER reserves its address
  Duration decline_hold = std::chrono::minutes(10);  // quarantine after DECLINE
  std::optional<Duration> bootp_lease_time;  // nullopt: infinite (RFC 1534)
  std::size_t max_message_size = 1472;       // our ceiling for replies: 1500-byte MTU minus IP/UDP
};

}  // namespace bootgate::dhcp
