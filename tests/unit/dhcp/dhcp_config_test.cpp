// The `dhcp:` YAML section: a full site parses into the engine's types, and every mistake is
// reported with its file, line and key path.
#include "config/dhcp_config.hpp"

#include <gtest/gtest.h>

#include "core/dhcp/memory_lease_store.hpp"
#include "core/dhcp/server.hpp"
#include "dhcp/dhcp_test_support.hpp"

namespace bootgate::config {
namespace {

using dhcp::testing::ip;

DhcpSection parse(const std::string& yaml) {
  MapReader root(load_text(yaml, "site.yaml"));
  auto section = parse_dhcp(root.require("dhcp"));
  root.finish();
  return section;
}

// The error message for `yaml`, or "" when it parses.
std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kSite = R"(dhcp:
  enabled: true
  server_id: 10.0.0.1
  lease_time: 2h
  lease_database: /tmp/leases.db
  options:
    dns: [10.0.0.53, 10.0.0.54]
    domain: lab.example
    ntp: 10.0.0.123
  subnets:
    - name: lan
      network: 10.0.0.0/24
      interface: eth1
      pools: [10.0.0.100-10.0.0.149, {first: 10.0.0.150, last: 10.0.0.199}]
      options:
        router: 10.0.0.1
        mtu: 9000
        domain_search: [lab.example, example]
        custom:
          - {code: 150, ip: 10.0.0.2}
          - {code: 224, string: hello, always: true}
          - {code: 225, u16: 513}
      reservations:
        - mac: 52:54:00:00:00:05
          address: 10.0.0.5
          hostname: printer
        - client_id: 01:52:54:00:00:00:07
          hostname: node7
          boot_file: node7.efi
    - name: lab
      network: 10.100.0.0/16
      vlan: 100
      lease_time: 10m
      pools: [10.100.1.0-10.100.1.255]
  boot:
    next_server: 10.0.0.2
    files:
      bios: undionly.kpxe
      uefi-x64: ipxe.efi
      uefi-arm64: ipxe-arm64.efi
      http-x64: http://10.0.0.2/ipxe.efi
    ipxe_script: http://10.0.0.2/boot.ipxe
    rules:
      - name: arm-lab
        match: {arch: [uefi-arm64], vlan: 100, mac_prefix: "52:54:00", subnet: lab}
        boot_file: lab-arm.efi
        next_server: 10.100.0.1
)";

TEST(DhcpConfig, ParsesAFullSite) {
  const auto s = parse(kSite);
  EXPECT_TRUE(s.enabled);
  EXPECT_FALSE(s.proxy);
  EXPECT_EQ(s.server_id, ip("10.0.0.1"));
  EXPECT_EQ(s.lease_time_ms, 7'200'000u);
  EXPECT_EQ(s.lease_database, "/tmp/leases.db");
  ASSERT_EQ(s.subnets.size(), 2u);
  const auto& lan = s.subnets[0];
  EXPECT_EQ(lan.name, "lan");
  EXPECT_EQ(lan.network, ip("10.0.0.0"));
  EXPECT_EQ(lan.prefix, 24u);
  EXPECT_EQ(lan.interface, "eth1");
  ASSERT_EQ(lan.pools.size(), 2u);
  EXPECT_EQ(lan.pools[1], (dhcp::AddressRange{ip("10.0.0.150"), ip("10.0.0.199")}));
  ASSERT_EQ(lan.reservations.size(), 2u);
  EXPECT_EQ(lan.reservations[0].mac, dhcp::HwAddress::parse_mac("52:54:00:00:00:05"));
  EXPECT_EQ(lan.reservations[1].client_id, std::string("\x01\x52\x54\x00\x00\x00\x07", 7));
  EXPECT_EQ(s.subnets[1].vlan, 100);
  EXPECT_EQ(s.subnets[1].lease_time_ms, 600'000u);
  EXPECT_EQ(s.boot.files.at(0), "undionly.kpxe");
  EXPECT_EQ(s.boot.files.at(7), "ipxe.efi");
  EXPECT_EQ(s.boot.files.at(9), "ipxe.efi");
  EXPECT_EQ(s.boot.files.at(16), "http://10.0.0.2/ipxe.efi");
  ASSERT_EQ(s.boot.rules.size(), 1u);
  EXPECT_EQ(s.boot.rules[0].arch, (std::vector<std::uint16_t>{11}));
  EXPECT_EQ(s.boot.rules[0].mac_prefix, (std::vector<std::uint8_t>{0x52, 0x54, 0x00}));

  const auto cfg = to_server_config(s);
  ASSERT_EQ(cfg.subnets.size(), 2u);
  EXPECT_EQ(cfg.lease_time, std::chrono::hours(2));
  const auto& opts = cfg.subnets[0].options;
  auto find = [&](std::uint8_t code) {
    for (const auto& o : opts)
      if (o.code == code) return o;
    return dhcp::OptionValue{};
  };
  EXPECT_EQ(find(dhcp::option::router).data, (std::vector<std::uint8_t>{10, 0, 0, 1}));
  EXPECT_EQ(find(dhcp::option::interface_mtu).data, (std::vector<std::uint8_t>{0x23, 0x28}));
  EXPECT_EQ(find(150).data, (std::vector<std::uint8_t>{10, 0, 0, 2}));
  EXPECT_TRUE(find(224).always);
  EXPECT_EQ(find(225).data, (std::vector<std::uint8_t>{2, 1}));
  EXPECT_EQ(find(dhcp::option::domain_search).data.size(), 22u);  // 3lab7example0 (13) + 7example0 (9)
}

TEST(DhcpConfig, DrivesTheEngine) {
  const auto s = parse(kSite);
  dhcp::MemoryLeaseStore store;
  dhcp::RuleBootPolicy boot(to_boot_config(s));
  dhcp::Server server(to_server_config(s), store, boot);
  dhcp::ExplainQuery q;
  q.hw = *dhcp::HwAddress::parse_mac("52:54:00:aa:bb:cc");
  q.arch = 11;
  q.vlan = 100;
  auto e = server.explain(q, TimePoint{});
  EXPECT_EQ(e.subnet, "lab");
  EXPECT_EQ(e.address, ip("10.100.1.0"));
  ASSERT_TRUE(e.boot);
  EXPECT_EQ(e.boot->target.file, "lab-arm.efi");
  EXPECT_EQ(e.boot->target.next_server, ip("10.100.0.1"));
  q.vlan.reset();
  q.interface = "eth1";
  q.hw = *dhcp::HwAddress::parse_mac("52:54:00:00:00:05");
  q.arch = 0;
  e = server.explain(q, TimePoint{});
  EXPECT_EQ(e.subnet, "lan");
  EXPECT_EQ(e.address, ip("10.0.0.5"));
  EXPECT_EQ(e.hostname, "printer");
  EXPECT_EQ(e.boot->target.file, "undionly.kpxe");
  EXPECT_EQ(e.boot->target.next_server, ip("10.0.0.2"));
}

TEST(DhcpConfig, ProxyModeNeedsNoSubnets) {
  const auto s = parse("dhcp:\n  enabled: true\n  mode: proxy\n  boot:\n    default: pxelinux.0\n");
  EXPECT_TRUE(s.proxy);
  EXPECT_EQ(s.ports, (std::vector<std::uint16_t>{67, 4011}));
  EXPECT_TRUE(to_server_config(s).proxy);
  EXPECT_FALSE(to_server_config(s).proxy_minimal_offer);
  const auto m = parse("dhcp:\n  enabled: true\n  mode: proxy\n  proxy_offer: minimal\n");
  EXPECT_TRUE(to_server_config(m).proxy_minimal_offer);
}

struct BadCase {
  const char* what;
  std::string yaml;
  const char* expected;  // substring of the message, including line and key path
};

std::string subnet_yaml(const std::string& body) {
  return "dhcp:\n  enabled: true\n  subnets:\n    - network: 10.0.0.0/24\n" + body;
}

TEST(DhcpConfig, InterfacesPluginsAndHooks) {
  const auto s = parse(
      "dhcp:\n"
      "  interfaces: [eth1, eth2]\n"
      "  plugins:\n"
      "    - plugins/inventory.so\n"
      "    - {path: /opt/x.so, config: 'a=b'}\n"
      "  hooks:\n"
      "    program: /usr/local/bin/on-lease\n"
      "    events: [granted, expired]\n"
      "    max_running: 2\n"
      "    timeout: 5s\n");
  EXPECT_EQ(s.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
  ASSERT_EQ(s.plugins.size(), 2u);
  EXPECT_EQ(s.plugins[0].path, "plugins/inventory.so");
  EXPECT_EQ(s.plugins[0].config, "");
  EXPECT_EQ(s.plugins[1].config, "a=b");
  EXPECT_EQ(s.hooks.program, "/usr/local/bin/on-lease");
  EXPECT_EQ(s.hooks.events, (std::vector<std::string>{"granted", "expired"}));
  EXPECT_EQ(s.hooks.max_running, 2u);
  EXPECT_EQ(s.hooks.max_queued, 1000u);
  EXPECT_EQ(s.hooks.timeout_ms, 5000u);
  EXPECT_EQ(s.commit_delay_ms, 20u);  // default
  EXPECT_EQ(parse("dhcp:\n  commit_delay: 0ms\n").commit_delay_ms, 0u);
  EXPECT_EQ(error_of("dhcp:\n  commit_delay: 2s\n").find("site.yaml:2: dhcp.commit_delay"), 0u);
}

TEST(DhcpConfig, InterfacesDefaultToThoseOfTheSubnets) {
  const auto s = parse(
      "dhcp:\n  subnets:\n"
      "    - {network: 10.0.0.0/24, interface: eth1}\n"
      "    - {network: 10.1.0.0/24, vlan: 10}\n"
      "    - {network: 10.2.0.0/24, interface: eth2}\n"
      "    - {network: 10.3.0.0/24, interface: eth1}\n");
  EXPECT_EQ(s.interfaces, (std::vector<std::string>{"eth1", "eth2"}));
  const auto explicit_list = parse("dhcp:\n  interfaces: [eth9]\n  subnets:\n    - {network: 10.0.0.0/24, interface: eth1}\n");
  EXPECT_EQ(explicit_list.interfaces, (std::vector<std::string>{"eth9"}));
}

TEST(DhcpConfig, MistakesNameTheKeyAndLine) {
  const BadCase cases[] = {
      {"bad address", "dhcp:\n  server_id: 10.0.0.300\n", "site.yaml:2: dhcp.server_id: '10.0.0.300' is not an IPv4 address"},
      {"host bits", "dhcp:\n  subnets:\n    - network: 10.0.0.1/24\n",
       "site.yaml:3: dhcp.subnets[0].network: '10.0.0.1/24' has host bits set (did you mean 10.0.0.0/24?)"},
      {"pool outside subnet", subnet_yaml("      pools: [10.0.0.10-10.0.0.20, 10.0.1.10-10.0.1.20]\n"),
       "site.yaml:5: dhcp.subnets[0].pools[1]: pool 10.0.1.10-10.0.1.20 is outside subnet 10.0.0.0/24"},
      {"overlapping pools", subnet_yaml("      pools:\n        - 10.0.0.10-10.0.0.20\n        - 10.0.0.15-10.0.0.30\n"),
       "site.yaml:7: dhcp.subnets[0].pools[1]: pool overlaps 10.0.0.10-10.0.0.20 (line 6)"},
      {"backwards pool", subnet_yaml("      pools: [10.0.0.20-10.0.0.10]\n"), "dhcp.subnets[0].pools[0]: range starts after it ends"},
      {"pool with broadcast", subnet_yaml("      pools: [10.0.0.200-10.0.0.255]\n"), "includes the network or broadcast address"},
      {"reservation outside subnet",
       subnet_yaml("      reservations:\n        - mac: 52:54:00:00:00:01\n          address: 10.0.9.1\n"),
       "site.yaml:7: dhcp.subnets[0].reservations[0].address: 10.0.9.1 is outside subnet 10.0.0.0/24"},
      {"duplicate MAC",
       subnet_yaml("      reservations:\n        - mac: 52:54:00:00:00:01\n        - mac: 52-54-00-00-00-01\n"),
       "site.yaml:7: dhcp.subnets[0].reservations[1].mac: duplicate MAC 52:54:00:00:00:01 (first reserved at line 6)"},
      {"reservation without key", subnet_yaml("      reservations:\n        - address: 10.0.0.5\n"),
       "site.yaml:6: dhcp.subnets[0].reservations[0]: a reservation needs mac or client_id"},
      {"bad MAC", subnet_yaml("      reservations:\n        - mac: 52:54:00:00:01\n"), "is not a MAC address"},
      {"unknown arch", "dhcp:\n  boot:\n    files:\n      amiga: x.bin\n",
       "site.yaml:4: dhcp.boot.files.amiga: unknown architecture 'amiga' (use bios, uefi-ia32"},
      {"unknown arch in rule", "dhcp:\n  boot:\n    rules:\n      - match: {arch: [uefi-x64, pdp11]}\n        boot_file: a\n",
       "site.yaml:4: dhcp.boot.rules[0].match.arch[1]: unknown architecture 'pdp11'"},
      {"rule names unknown subnet", "dhcp:\n  boot:\n    rules:\n      - match: {subnet: nowhere}\n        boot_file: a\n",
       "site.yaml:4: dhcp.boot.rules[0]: match.subnet 'nowhere' is not the name of any subnet"},
      {"rule without boot file", "dhcp:\n  boot:\n    rules:\n      - name: x\n", "dhcp.boot.rules[0]: missing required key 'boot_file'"},
      {"unknown key", subnet_yaml("      poools: []\n"), "site.yaml:5: dhcp.subnets[0].poools: unknown key"},
      {"overlapping subnets", "dhcp:\n  subnets:\n    - network: 10.0.0.0/16\n    - network: 10.0.5.0/24\n",
       "site.yaml:4: dhcp.subnets[1]: 10.0.5.0/24 overlaps 10.0.0.0/16 (line 3)"},
      {"duplicate vlan", "dhcp:\n  subnets:\n    - {network: 10.0.0.0/24, vlan: 5}\n    - {network: 10.1.0.0/24, vlan: 5}\n",
       "site.yaml:4: dhcp.subnets[1]: vlan 5 already has a subnet at line 3"},
      {"vlan out of range", "dhcp:\n  subnets:\n    - {network: 10.0.0.0/24, vlan: 4095}\n", "dhcp.subnets[0].vlan: 4095 is out of range 1..4094"},
      {"server-managed option", "dhcp:\n  options:\n    custom:\n      - {code: 51, u32: 5}\n",
       "site.yaml:4: dhcp.options.custom[0].code: option 51 is set by the server itself"},
      {"two option values", "dhcp:\n  options:\n    custom:\n      - {code: 200, u8: 1, string: x}\n",
       "dhcp.options.custom[0]: give exactly one of ip, string, hex, u8, u16, u32"},
      {"bad mtu", "dhcp:\n  options:\n    mtu: 20\n", "site.yaml:3: dhcp.options.mtu: 20 is out of range 68..65535"},
      {"bad mode", "dhcp:\n  mode: relay\n", "dhcp.mode: 'relay' is not one of: server, proxy"},
      {"no subnets", "dhcp:\n  enabled: true\n", "dhcp is enabled but no subnets are configured"},
      {"bad proxy_offer", "dhcp:\n  mode: proxy\n  proxy_offer: tiny\n", "dhcp.proxy_offer: 'tiny' is not one of: full, minimal"},
      {"proxy_offer without proxy mode", "dhcp:\n  proxy_offer: minimal\n",
       "site.yaml:2: dhcp.proxy_offer: applies only with mode: proxy"},
      {"unknown hook event", "dhcp:\n  hooks:\n    program: /bin/true\n    events: [granted, exploded]\n",
       "site.yaml:4: dhcp.hooks.events[1]: unknown event 'exploded' (use granted, renewed, released, declined, expired)"},
      {"hooks without program", "dhcp:\n  hooks:\n    events: [granted]\n", "dhcp.hooks: missing required key 'program'"},
      {"hook timeout too short", "dhcp:\n  hooks: {program: /bin/true, timeout: 1ms}\n", "dhcp.hooks.timeout"},
      {"interface listed twice", "dhcp:\n  interfaces: [eth1, eth2, eth1]\n",
       "site.yaml:2: dhcp.interfaces[2]: interface 'eth1' is listed twice"},
      {"plugin without path", "dhcp:\n  plugins:\n    - config: hosts.csv\n", "dhcp.plugins[0]: missing required key 'path'"},
      {"plugin unknown key", "dhcp:\n  plugins:\n    - {path: a.so, conf: x}\n", "site.yaml:3: dhcp.plugins[0].conf: unknown key"},
      {"duplicate reserved address",
       subnet_yaml("      reservations:\n        - {mac: 52:54:00:00:00:01, address: 10.0.0.5}\n        - {mac: 52:54:00:00:00:02, address: 10.0.0.5}\n"),
       "site.yaml:7: dhcp.subnets[0].reservations[1].address: 10.0.0.5 is already reserved at line 6"},
  };
  for (const auto& c : cases) {
    const auto msg = error_of(c.yaml);
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.what << "\n  got: " << msg << "\n  want: " << c.expected;
  }
}

}  // namespace
}  // namespace bootgate::config
