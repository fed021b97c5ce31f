// Policy compilation (pure) and live reload through the generation flip.
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <net/if.h>

#include "bpf_test_support.hpp"
#include "xdp/policy.hpp"

namespace bootgate::xdp::test {
namespace {

constexpr const char* kTwoVlans = R"(
local_addresses: [10.0.0.1]
interfaces:
  - name: eth7
    vlans:
      - {vlan: untagged, prefixes: [10.0.0.0/24, 10.9.0.0/16]}
      - {vlan: "100.20", prefixes: [10.20.0.0/16], dhcp_anonymous: false}
dhcp_mac_allow: ["52:54:00"]
tftp_transfer_ports: 50000-50099
rate: {requests_per_second: 5, burst: 7, transfer_packets_per_second: 900, transfer_burst: 90,
       global_requests_per_second: 300, global_burst: 600}
)";

TEST(XdpPolicyCompile, BuildsKeysWithGenerationAndFixedPrefixBits) {
  const auto s = section_from_yaml(kTwoVlans);
  const auto t = compile_policy(s, 1, [](const std::string& name) { return name == "eth7" ? 42u : 0u; });
  EXPECT_EQ(t.config.flags, unsigned{BG_CFG_MAC_FILTER});
  EXPECT_EQ(t.config.req_rate, 5u);
  EXPECT_EQ(t.config.req_burst, 7u);
  EXPECT_EQ(t.config.xfer_rate, 900u);
  EXPECT_EQ(t.config.global_burst, 600u);
  EXPECT_EQ(t.config.xfer_port_lo, 50000);
  EXPECT_EQ(t.config.xfer_port_hi, 50099);
  ASSERT_EQ(t.vlans.size(), 2u);
  EXPECT_EQ(t.vlans[0].first.ifindex, 42u);
  EXPECT_EQ(t.vlans[0].first.outer_vid, BG_VID_NONE);
  EXPECT_EQ(t.vlans[0].first.inner_vid, BG_VID_NONE);
  EXPECT_EQ(t.vlans[0].second.flags, unsigned{BG_VLAN_DHCP_ANON});
  EXPECT_EQ(t.vlans[1].first.outer_vid, 100);
  EXPECT_EQ(t.vlans[1].first.inner_vid, 20);
  EXPECT_EQ(t.vlans[1].second.flags, 0u);
  ASSERT_EQ(t.prefixes.size(), 3u);
  EXPECT_EQ(t.prefixes[1].prefixlen, BG_PREFIX_FIXED_BITS + 16u);
  EXPECT_EQ(t.prefixes[1].addr, htonl(0x0A090000));
  for (const auto& p : t.prefixes) EXPECT_EQ(p.generation, 1);
  ASSERT_EQ(t.macs.size(), 1u);
  EXPECT_EQ(t.macs[0].prefixlen, BG_MAC_FIXED_BITS + 24u);
  EXPECT_EQ(t.config.local_addrs[0], htonl(0x0A000001));
  EXPECT_EQ(t.config.local_addrs[1], 0u);
  EXPECT_EQ(t.config.xsk_ifindex, 0u);  // no AF_XDP datapath: everything admitted goes to the kernel
}

TEST(XdpPolicyCompile, AfXdpInterfaceBecomesItsIfindex) {
  auto s = section_from_yaml(kTwoVlans);
  s.af_xdp_interface = "eth7";
  const auto t = compile_policy(s, 0, [](const std::string& name) { return name == "eth7" ? 42u : 0u; });
  EXPECT_EQ(t.config.xsk_ifindex, 42u);
}

TEST(XdpPolicyCompile, UnknownInterfaceIsAnInterfaceError) {
  const auto s = section_from_yaml(kTwoVlans);
  try {
    compile_policy(s, 0, [](const std::string&) { return 0u; });
    FAIL() << "expected XdpError";
  } catch (const XdpError& e) {
    EXPECT_EQ(e.failure(), XdpFailure::interface);
    EXPECT_STREQ(e.what(), "xdp: interface 'eth7' does not exist");
  }
}

class XdpReloadTest : public BpfTest {};

constexpr const char* kBefore = R"(
local_addresses: [10.0.0.1]
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}, {vlan: 10, prefixes: [10.10.0.0/16]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)";
constexpr const char* kAfter = R"(
local_addresses: [10.0.0.1, 10.0.0.2]
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.1.0/24]}, {vlan: 11, prefixes: [10.11.0.0/16]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)";

Frame rrq(const char* src, const char* dst = "10.0.0.1") { return Frame().ipv4(src, dst).udp(40000, 69).tftp_rrq(); }

TEST_F(XdpReloadTest, ReloadSwitchesPolicyAndLeavesOnlyTheNewGeneration) {
  load(kBefore);
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.10.0.5").vlan(10)), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.1.5")), XDP_DROP);
  EXPECT_EQ(run(rrq("10.0.1.5", "10.0.0.2")), XDP_PASS);  // 10.0.0.2 not ours yet: passed as not-ours
  EXPECT_EQ(stats().verdict[BG_VERDICT_PASS], 1u);

  loader_->reload(section_from_yaml(kAfter));
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(run(rrq("10.10.0.5").vlan(10)), XDP_DROP);
  EXPECT_EQ(run(rrq("10.0.1.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.11.0.5").vlan(11)), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.9", "10.0.0.2")), XDP_DROP);  // now ours, and 10.0.0.9 is outside the prefix
  const auto s = stats();
  EXPECT_EQ(s.drop[BG_DROP_PREFIX], 3u);
  EXPECT_EQ(s.drop[BG_DROP_VLAN], 1u);

  // Only the new policy remains in the maps.
  auto& maps = loader_->skeleton().maps;
  EXPECT_EQ(map_entries(maps.bg_vlans), 2u);
  EXPECT_EQ(map_entries(maps.bg_prefixes), 2u);

  // A loader that was never attached stays unattached through reloads.
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  ASSERT_EQ(bpf_xdp_query(static_cast<int>(if_nametoindex("lo")), 0, &q), 0);
  EXPECT_EQ(q.prog_id, 0u);

  // And back again.
  loader_->reload(section_from_yaml(kBefore));
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.9", "10.0.0.2")), XDP_PASS);  // 10.0.0.2 is no longer ours
  EXPECT_EQ(map_entries(maps.bg_vlans), 2u);
}

TEST_F(XdpReloadTest, PolicyTooBigForItsTableKeepsTheOldPolicyLive) {
  load(R"(
local_addresses: [10.0.0.1]
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
tables: {prefixes: 4}
)");
  auto bigger = section_;
  bigger.interfaces[0].vlans[0].prefixes = {{0x0A000000, 24}, {0x0A010000, 24}, {0x0A020000, 24}, {0x0A030000, 24}};
  try {
    loader_->reload(bigger);
    FAIL() << "expected XdpError";
  } catch (const XdpError& e) {
    EXPECT_EQ(e.failure(), XdpFailure::policy);
  }
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.1.5")), XDP_DROP);
  EXPECT_EQ(map_entries(loader_->skeleton().maps.bg_prefixes), 1u);
}

}  // namespace
}  // namespace bootgate::xdp::test
