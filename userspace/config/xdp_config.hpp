#pragma once
// The `xdp:` section: what the XDP front end admits, how fast, and what happens if it cannot load.
//
//   xdp:
//     mode: required            # required | optional | off   (or just `xdp: off`)
//     attach: auto              # auto (native, falling back to generic) | native | generic
//     local_addresses: [any]    # or a list of the appliance's IPv4 addresses (at most 16)
//     tftp_transfer_ports: 49152-49407   # or "none"
//     interfaces:
//       - name: eth0
//         vlans:
//           - vlan: untagged    # untagged | 10 | "100.20" (QinQ outer.inner)
//             prefixes: [10.0.0.0/24]
//             dhcp_anonymous: true   # DHCP from 0.0.0.0 admitted on this VLAN
//     dhcp_mac_allow: [52:54:00, 02:00:00:00:00:01]   # OUIs or MACs; empty = any MAC
//     rate: {requests_per_second: 10, burst: 20, transfer_packets_per_second: 200000,
//            transfer_burst: 20000, global_requests_per_second: 2000, global_burst: 4000}
//     limits: {max_tftp_request: 512, max_dhcp_request: 1500}
//     tables: {sources: 65536, prefixes: 16384, vlans: 1024, macs: 4096}
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace bootgate::config {

enum class XdpMode { off, optional, required };
enum class XdpAttach { automatic, native, generic };

struct Ipv4Prefix {
  std::uint32_t addr = 0;  // host order, host bits zero
  std::uint8_t length = 32;
  bool operator==(const Ipv4Prefix&) const = default;
};

// A tag stack. nullopt = no tag at that position; untagged is {nullopt, nullopt}.
struct VlanMatch {
  std::optional<std::uint16_t> outer;
  std::optional<std::uint16_t> inner;
  bool operator==(const VlanMatch&) const = default;
};

struct XdpVlan {
  VlanMatch vlan;
  std::vector<Ipv4Prefix> prefixes;
  bool dhcp_anonymous = true;
};

struct XdpInterface {
  std::string name;
  std::vector<XdpVlan> vlans;
};

struct MacPrefix {
  std::array<std::uint8_t, 6> bytes{};
  std::uint8_t length = 48;  // 24 (OUI) or 48 (MAC), in bits
  bool operator==(const MacPrefix&) const = default;
};

struct XdpRate {
  std::uint32_t requests_per_second = 10;  // per source; 0 = unlimited
  std::uint32_t burst = 20;
  // Generous on purpose: a lock-step download at 100 MB/s is ~70k ACKs/s from one client.
  std::uint32_t transfer_packets_per_second = 200000;  // per source, in-transfer DATA/ACK; 0 = unlimited
  std::uint32_t transfer_burst = 20000;
  std::uint32_t global_requests_per_second = 2000;  // all sources; 0 = no cap
  std::uint32_t global_burst = 4000;
};

struct XdpTables {
  std::uint32_t sources = 65536;
  std::uint32_t prefixes = 16384;
  std::uint32_t vlans = 1024;
  std::uint32_t macs = 4096;
  bool operator==(const XdpTables&) const = default;
};

struct XdpSection {
  XdpMode mode = XdpMode::off;
  XdpAttach attach = XdpAttach::automatic;
  bool any_local = true;
  std::vector<std::uint32_t> local_addresses;  // host order; used when !any_local; at most 16
  std::uint16_t transfer_port_lo = 0;          // 0 = no transfer port range
  std::uint16_t transfer_port_hi = 0;
  bool transfer_ports_explicit = false;        // tftp_transfer_ports given (a range or "none");
                                               // otherwise the app derives it from tftp.port_range
  std::vector<XdpInterface> interfaces;
  std::vector<MacPrefix> dhcp_mac_allow;  // empty = any MAC
  XdpRate rate;
  std::uint32_t max_tftp_request = 512;
  std::uint32_t max_dhcp_request = 1500;
  XdpTables tables;
  std::string pin_dir = "/sys/fs/bpf/bootgate";  // absolute, on a bpffs, no '.' (libbpf rewrites it)
  bool disable_vlan_offload = true;  // turn rx-vlan-hw-parse off so XDP sees the tags
  // Not a YAML key: the app names the interface whose admitted TFTP goes to AF_XDP
  // (tftp.datapath: af_xdp). Empty: everything admitted goes to the kernel stack.
  std::string af_xdp_interface;
};

XdpSection parse_xdp(const NodeReader& node);

// Small parsers, exposed for tests and for the CLI.
std::optional<std::uint32_t> parse_ipv4(const std::string& text);  // host order
std::optional<Ipv4Prefix> parse_ipv4_prefix(const std::string& text);
std::optional<MacPrefix> parse_mac_prefix(const std::string& text);
std::string to_string(const VlanMatch& vlan);
const char* to_string(XdpMode mode);

}  // namespace bootgate::config
