#include "config/xdp_config.hpp"

#include <gtest/gtest.h>

namespace bootgate::config {
namespace {

XdpSection parse(const std::string& yaml) { return parse_xdp(load_text(yaml, "site.yaml")); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kFull = R"(mode: required
attach: native
local_addresses: [10.0.0.1, 10.10.0.1]
tftp_transfer_ports: 49152-49407
interfaces:
  - name: eth0
    vlans:
      - vlan: untagged
        prefixes: [10.0.0.0/24]
      - vlan: 10
        prefixes: [10.10.0.0/16, 192.168.5.7/32, 192.168.6.8]
        dhcp_anonymous: false
      - vlan: "100.20"
        prefixes: []
dhcp_mac_allow: ["52:54:00", "02-00-00-00-00-01"]
rate: {requests_per_second: 5, burst: 9, transfer_packets_per_second: 1000, transfer_burst: 100,
       global_requests_per_second: 50, global_burst: 70}
limits: {max_tftp_request: 400, max_dhcp_request: 576}
tables: {sources: 1000, prefixes: 100, vlans: 64, macs: 16}
pin_dir: /sys/fs/bpf/bootgate-lab
disable_vlan_offload: false
)";

TEST(XdpConfig, ParsesEveryKey) {
  const auto s = parse(kFull);
  EXPECT_EQ(s.mode, XdpMode::required);
  EXPECT_EQ(s.attach, XdpAttach::native);
  EXPECT_FALSE(s.any_local);
  EXPECT_EQ(s.local_addresses, (std::vector<std::uint32_t>{0x0A000001, 0x0A0A0001}));
  EXPECT_EQ(s.transfer_port_lo, 49152);
  EXPECT_EQ(s.transfer_port_hi, 49407);
  EXPECT_TRUE(s.transfer_ports_explicit);
  ASSERT_EQ(s.interfaces.size(), 1u);
  const auto& v = s.interfaces[0].vlans;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].vlan, (VlanMatch{}));
  EXPECT_EQ(v[0].prefixes, (std::vector<Ipv4Prefix>{{0x0A000000, 24}}));
  EXPECT_TRUE(v[0].dhcp_anonymous);
  EXPECT_EQ(v[1].vlan, (VlanMatch{std::nullopt, 10}));
  EXPECT_EQ(v[1].prefixes.size(), 3u);
  EXPECT_EQ(v[1].prefixes[2], (Ipv4Prefix{0xC0A80608, 32}));
  EXPECT_FALSE(v[1].dhcp_anonymous);
  EXPECT_EQ(v[2].vlan, (VlanMatch{100, 20}));
  EXPECT_TRUE(v[2].prefixes.empty());
  ASSERT_EQ(s.dhcp_mac_allow.size(), 2u);
  EXPECT_EQ(s.dhcp_mac_allow[0].length, 24);
  EXPECT_EQ(s.dhcp_mac_allow[1].length, 48);
  EXPECT_EQ(s.dhcp_mac_allow[1].bytes[5], 1);
  EXPECT_EQ(s.rate.requests_per_second, 5u);
  EXPECT_EQ(s.rate.burst, 9u);
  EXPECT_EQ(s.rate.transfer_packets_per_second, 1000u);
  EXPECT_EQ(s.rate.transfer_burst, 100u);
  EXPECT_EQ(s.rate.global_requests_per_second, 50u);
  EXPECT_EQ(s.rate.global_burst, 70u);
  EXPECT_EQ(s.max_tftp_request, 400u);
  EXPECT_EQ(s.max_dhcp_request, 576u);
  EXPECT_EQ(s.tables.sources, 1000u);
  EXPECT_EQ(s.tables.macs, 16u);
  EXPECT_EQ(s.pin_dir, "/sys/fs/bpf/bootgate-lab");
  EXPECT_FALSE(s.disable_vlan_offload);
}

TEST(XdpConfig, ShorthandOff) {
  EXPECT_EQ(parse("off").mode, XdpMode::off);
  EXPECT_EQ(parse("false").mode, XdpMode::off);
  EXPECT_EQ(parse("mode: off").mode, XdpMode::off);
}

TEST(XdpConfig, MinimalSectionDefaultsToOptionalAnyLocal) {
  const auto s = parse("interfaces: [{name: eth0, vlans: [{vlan: untagged}]}]\n");
  EXPECT_EQ(s.mode, XdpMode::optional);
  EXPECT_EQ(s.attach, XdpAttach::automatic);
  EXPECT_TRUE(s.any_local);
  EXPECT_EQ(s.transfer_port_lo, 0);
  EXPECT_FALSE(s.transfer_ports_explicit);
  EXPECT_TRUE(s.dhcp_mac_allow.empty());
  EXPECT_EQ(s.rate.requests_per_second, XdpRate{}.requests_per_second);
  EXPECT_EQ(s.pin_dir, "/sys/fs/bpf/bootgate");
}

TEST(XdpConfig, ErrorsNameFileLineAndKeyPath) {
  EXPECT_EQ(error_of("interfaces: [{name: eth0, vlans: [{vlan: 4096}]}]\n"),
            "site.yaml:1: interfaces[0].vlans[0].vlan: '4096' is not a VLAN ID 0..4095");
  EXPECT_EQ(error_of("interfaces:\n  - name: eth0\n    vlans:\n      - vlan: 10\n        prefixes: [10.0.0.5/24]\n"),
            "site.yaml:5: interfaces[0].vlans[0].prefixes[0]: '10.0.0.5/24' has host bits set");
  EXPECT_EQ(error_of("interfaces: [{name: eth0, vlans: [{vlan: 10, prefixes: [10.0.0.0/33]}]}]\n"),
            "site.yaml:1: interfaces[0].vlans[0].prefixes[0]: '10.0.0.0/33' is not an IPv4 prefix such as 10.0.0.0/24");
  EXPECT_EQ(error_of("mode: sometimes\n"), "site.yaml:1: mode: 'sometimes' is not one of: required, optional, off");
  EXPECT_EQ(error_of("mode: required\n"), "site.yaml:1: (top level): 'interfaces' is required unless mode is off");
  EXPECT_EQ(error_of("mode: off\nrate: {burst: 0}\n"), "site.yaml:2: rate.burst: 0 is out of range 1..10000000");
  EXPECT_EQ(error_of("mode: off\nrate: {bursts: 3}\n"), "site.yaml:2: rate.bursts: unknown key");
  EXPECT_EQ(error_of("mode: off\ntftp_transfer_ports: 500-400\n"),
            "site.yaml:2: tftp_transfer_ports: expected a port range such as 49152-49407, or none");
  EXPECT_EQ(error_of("mode: off\ndhcp_mac_allow: [52:54]\n"),
            "site.yaml:2: dhcp_mac_allow[0]: '52:54' is not a MAC (aa:bb:cc:dd:ee:ff) or OUI (aa:bb:cc)");
  EXPECT_EQ(error_of("mode: off\nlocal_addresses: [any, 10.0.0.1]\n"),
            "site.yaml:2: local_addresses: 'any' cannot be combined with addresses");
  EXPECT_EQ(error_of("mode: off\nlocal_addresses: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, "
                     "10.0.0.8, 10.0.0.9, 10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.0.13, 10.0.0.14, 10.0.0.15, "
                     "10.0.0.16, 10.0.0.17]\n"),
            "site.yaml:2: local_addresses: at most 16 addresses (or 'any')");
  EXPECT_EQ(error_of("mode: off\npin_dir: bootgate\n"),
            "site.yaml:1: (top level): pin_dir must be an absolute directory path such as /sys/fs/bpf/bootgate");
  EXPECT_EQ(error_of("mode: off\npin_dir: /sys/fs/bpf/boot.gate\n"),
            "site.yaml:1: (top level): pin_dir must not contain '.' (libbpf rewrites it)");
  EXPECT_EQ(error_of("interfaces: [{name: eth0, vlans: [{vlan: 7}, {vlan: 7}]}]\n"),
            "site.yaml:1: interfaces[0].vlans[1]: VLAN 7 is listed twice");
  EXPECT_EQ(error_of("interfaces: [{name: eth0, vlans: [{vlan: 7}]}, {name: eth0, vlans: [{vlan: 8}]}]\n"),
            "site.yaml:1: interfaces[1]: interface 'eth0' is listed twice");
  EXPECT_EQ(error_of("required\n"), "site.yaml:1: (top level): 'required' needs the full xdp section (interfaces, vlans)");
}

TEST(XdpConfig, TablesMustHoldTwoGenerations) {
  EXPECT_EQ(error_of("interfaces: [{name: eth0, vlans: [{vlan: 7, prefixes: [10.0.0.0/8, 11.0.0.0/8]}]}]\n"
                     "tables: {prefixes: 3}\n"),
            "site.yaml:1: (top level): 2 prefixes need tables.prefixes >= 4 (room for old and new policy during reload)");
}

TEST(XdpConfig, SmallParsers) {
  EXPECT_EQ(parse_ipv4("192.168.1.2"), 0xC0A80102u);
  EXPECT_FALSE(parse_ipv4("192.168.1"));
  EXPECT_EQ(parse_ipv4_prefix("10.0.0.0/8"), (Ipv4Prefix{0x0A000000, 8}));
  EXPECT_EQ(parse_ipv4_prefix("10.1.2.3"), (Ipv4Prefix{0x0A010203, 32}));
  EXPECT_FALSE(parse_ipv4_prefix("10.0.0.0/"));
  EXPECT_TRUE(parse_mac_prefix("aa:BB:cc"));
  EXPECT_FALSE(parse_mac_prefix("aa:bb:cc:dd"));
  EXPECT_FALSE(parse_mac_prefix("aa:bb:cc:"));
  EXPECT_FALSE(parse_mac_prefix("gg:bb:cc"));
  EXPECT_EQ(to_string(VlanMatch{}), "untagged");
  EXPECT_EQ(to_string(VlanMatch{std::nullopt, 5}), "5");
  EXPECT_EQ(to_string(VlanMatch{100, 5}), "100.5");
}

}  // namespace
}  // namespace bootgate::config
