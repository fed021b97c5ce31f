// Every verdict and drop reason of the XDP program, as a fixture table run through
// BPF_PROG_TEST_RUN. Each row checks the action the kernel returned and that exactly the expected
// counters moved (verdict, drop reason, admit class, per-VLAN slot) and nothing else.
#include <linux/bpf.h>

#include "bpf_test_support.hpp"

namespace bootgate::xdp::test {
namespace {

// Untagged 10.0.0.0/24, VLAN 10 10.10/16, QinQ 100.20 10.20/16, VLAN 30 10.30.0.128/25 without
// anonymous DHCP. Rates unlimited: this file is about classification.
constexpr const char* kPolicy = R"(
mode: required
local_addresses: [10.0.0.1, 10.10.0.1, 10.20.0.1, 10.30.0.1]
tftp_transfer_ports: 50000-50099
interfaces:
  - name: lo
    vlans:
      - vlan: untagged
        prefixes: [10.0.0.0/24]
      - vlan: 10
        prefixes: [10.10.0.0/16]
      - vlan: "100.20"
        prefixes: [10.20.0.0/16]
      - vlan: 30
        prefixes: [10.30.0.128/25]
        dhcp_anonymous: false
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)";

constexpr int kNone = -1;

struct Case {
  const char* what;
  Frame frame;
  int action;
  bg_verdict verdict;
  int reason = kNone;  // bg_drop_reason when verdict == DROP
  int cls = kNone;     // bg_class when admitted
  int slot = kNone;    // per-VLAN slot if not the frame's own (tag unreadable)
};

Frame tftp_from(const char* src, const char* dst = "10.0.0.1") { return Frame().ipv4(src, dst).udp(40000, 69).tftp_rrq(); }
Frame dhcp_discover() { return Frame().ipv4("0.0.0.0", "255.255.255.255").udp(68, 67).dhcp(); }

int vlan_stat_for(int reason) {
  switch (reason) {
    case BG_DROP_VLAN: return BG_VSTAT_DROP_VLAN;
    case BG_DROP_PREFIX:
    case BG_DROP_MAC: return BG_VSTAT_DROP_SOURCE;
    case BG_DROP_RATE_SOURCE:
    case BG_DROP_RATE_TRANSFER:
    case BG_DROP_RATE_GLOBAL:
    case BG_DROP_TABLE_FULL: return BG_VSTAT_DROP_RATE;
    default: return BG_VSTAT_DROP_MALFORMED;
  }
}

std::vector<Case> cases() {
  using F = Frame;
  return {
      // ---- not ours: passed untouched ----
      {"ARP", F().ethertype(0x0806).raw_l3(F::arp_request()), XDP_PASS, BG_VERDICT_PASS},
      {"IPv6", F().ethertype(0x86dd).raw_l3(std::vector<std::uint8_t>(60, 0x60)), XDP_PASS, BG_VERDICT_PASS},
      {"ICMP echo to us", F().ipv4("10.0.0.5", "10.0.0.1").icmp_echo(), XDP_PASS, BG_VERDICT_PASS},
      {"SSH from allowed prefix", F().ipv4("10.0.0.5", "10.0.0.1").tcp(50000, 22), XDP_PASS, BG_VERDICT_PASS},
      {"SSH from disallowed VLAN", F().vlan(99).ipv4("192.0.2.1", "10.0.0.1").tcp(50000, 22), XDP_PASS, BG_VERDICT_PASS},
      {"TCP to port 69", F().ipv4("10.0.0.5", "10.0.0.1").tcp(50000, 69), XDP_PASS, BG_VERDICT_PASS},
      {"DNS to us", F().ipv4("10.0.0.5", "10.0.0.1").udp(5353, 53).payload({1, 2, 3, 4}), XDP_PASS, BG_VERDICT_PASS},
      {"UDP above transfer range", F().ipv4("10.0.0.5", "10.0.0.1").udp(5353, 50100).tftp(4, 2), XDP_PASS, BG_VERDICT_PASS},
      {"TFTP to another host", tftp_from("10.0.0.5", "10.0.0.99"), XDP_PASS, BG_VERDICT_PASS},
      {"TFTP to broadcast", tftp_from("10.0.0.5", "255.255.255.255"), XDP_PASS, BG_VERDICT_PASS},
      {"three tags", F().vlan(1).vlan(2).vlan(3).ipv4("10.0.0.5", "10.0.0.1").udp(1, 69).tftp_rrq(), XDP_PASS, BG_VERDICT_PASS},
      {"non-first fragment to another host", F().ipv4("10.0.0.5", "10.0.0.99").fragment(false, 100).udp(1, 69).tftp(3),
       XDP_PASS, BG_VERDICT_PASS},

      // ---- ours and admitted (no AF_XDP socket registered: handed to the stack) ----
      {"untagged RRQ in prefix", tftp_from("10.0.0.5"), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_TFTP_REQUEST},
      {"VLAN 10 RRQ in prefix", tftp_from("10.10.3.4", "10.10.0.1").vlan(10), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_TFTP_REQUEST},
      {"QinQ 88a8/8100 100.20 in prefix", tftp_from("10.20.1.1", "10.20.0.1").vlan(100, 0x88a8).vlan(20), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_TFTP_REQUEST},
      {"QinQ 8100/8100 100.20 in prefix", tftp_from("10.20.1.1", "10.20.0.1").vlan(100).vlan(20), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_TFTP_REQUEST},
      {"VLAN 30 upper half", tftp_from("10.30.0.200", "10.30.0.1").vlan(30), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_TFTP_REQUEST},
      {"WRQ", F().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 69).tftp(2, 20), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_TFTP_REQUEST},
      {"ACK to transfer port", F().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 50010).tftp_ack(7), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_TFTP_TRANSFER},
      {"ERROR (opcode 5) to transfer port", F().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 50099).tftp(5, 6), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_TFTP_TRANSFER},
      {"RRQ with IP options (IHL 7)", tftp_from("10.0.0.5").ihl(7), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_TFTP_REQUEST},
      {"RRQ with Ethernet padding", tftp_from("10.0.0.5").pad_to(128), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_TFTP_REQUEST},
      {"DHCP DISCOVER from 0.0.0.0 untagged", dhcp_discover(), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_DHCP_ANON},
      {"DHCP DISCOVER from 0.0.0.0 VLAN 10", dhcp_discover().vlan(10), XDP_PASS, BG_VERDICT_ADMIT_PASS, kNone,
       BG_CLASS_DHCP_ANON},
      {"DHCP unicast REQUEST in prefix", F().ipv4("10.0.0.5", "10.0.0.1").udp(68, 67).dhcp(), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_DHCP},
      {"DHCP broadcast from an address (rebinding)", F().ipv4("10.0.0.5", "255.255.255.255").udp(68, 67).dhcp(), XDP_PASS,
       BG_VERDICT_ADMIT_PASS, kNone, BG_CLASS_DHCP},
      {"proxyDHCP 4011 in prefix", F().ipv4("10.0.0.5", "10.0.0.1").udp(68, 4011).dhcp(), XDP_PASS, BG_VERDICT_ADMIT_PASS,
       kNone, BG_CLASS_DHCP},

      // ---- admission ----
      {"VLAN 11 not allowed", tftp_from("10.10.3.4", "10.10.0.1").vlan(11), XDP_DROP, BG_VERDICT_DROP, BG_DROP_VLAN},
      {"single tag 20 (only 100.20 allowed)", tftp_from("10.20.1.1", "10.20.0.1").vlan(20), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_VLAN},
      {"QinQ 100.21 not allowed", tftp_from("10.20.1.1", "10.20.0.1").vlan(100, 0x88a8).vlan(21), XDP_DROP,
       BG_VERDICT_DROP, BG_DROP_VLAN},
      {"DHCP from 0.0.0.0 on VLAN 99", dhcp_discover().vlan(99), XDP_DROP, BG_VERDICT_DROP, BG_DROP_VLAN},
      {"VLAN check precedes payload sanity", tftp_from("10.10.3.4", "10.10.0.1").vlan(11).tftp(9), XDP_DROP,
       BG_VERDICT_DROP, BG_DROP_VLAN},
      {"untagged source outside prefix", tftp_from("10.0.1.5"), XDP_DROP, BG_VERDICT_DROP, BG_DROP_PREFIX},
      {"VLAN 10 with untagged VLAN's prefix", tftp_from("10.0.0.5", "10.10.0.1").vlan(10), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_PREFIX},
      {"VLAN 30 lower half", tftp_from("10.30.0.5", "10.30.0.1").vlan(30), XDP_DROP, BG_VERDICT_DROP, BG_DROP_PREFIX},
      {"DHCP from 0.0.0.0 where anonymous DHCP is off", dhcp_discover().vlan(30), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_PREFIX},
      {"TFTP from 0.0.0.0", tftp_from("0.0.0.0"), XDP_DROP, BG_VERDICT_DROP, BG_DROP_PREFIX},
      {"unicast DHCP outside prefix", F().ipv4("192.168.1.1", "10.0.0.1").udp(68, 67).dhcp(), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_PREFIX},

      // ---- malformed ----
      {"VLAN tag cut short", F().vlan(10).ipv4("10.10.3.4", "10.10.0.1").udp(1, 69).tftp_rrq().truncate(16), XDP_DROP,
       BG_VERDICT_DROP, BG_DROP_TRUNCATED, kNone, BG_VID_NONE},
      {"IPv4 header cut short", tftp_from("10.0.0.5").truncate(14 + 12), XDP_DROP, BG_VERDICT_DROP, BG_DROP_TRUNCATED},
      {"IP options cut short", tftp_from("10.0.0.5").ihl(15).truncate(14 + 40), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_TRUNCATED},
      {"IHL 4", tftp_from("10.0.0.5").ihl(4), XDP_DROP, BG_VERDICT_DROP, BG_DROP_BAD_IHL},
      {"IP version 6 in an IPv4 ethertype", tftp_from("10.0.0.5").ip_version(6), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_BAD_IHL},
      {"total length beyond frame", tftp_from("10.0.0.5").ip_total_len(1400), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_BAD_IP_LEN},
      {"total length below header", tftp_from("10.0.0.5").ip_total_len(12), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_BAD_IP_LEN},
      {"UDP header cut short", F().ipv4("10.0.0.5", "10.0.0.1").udp(1, 69).truncate(14 + 20 + 4).ip_total_len(24),
       XDP_DROP, BG_VERDICT_DROP, BG_DROP_TRUNCATED},
      {"UDP length 7", tftp_from("10.0.0.5").udp_len(7), XDP_DROP, BG_VERDICT_DROP, BG_DROP_BAD_UDP_LEN},
      {"UDP length beyond IP payload", tftp_from("10.0.0.5").udp_len(500), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_BAD_UDP_LEN},
      {"first fragment to port 69", tftp_from("10.0.0.5").fragment(true, 0), XDP_DROP, BG_VERDICT_DROP, BG_DROP_FRAGMENT},
      {"non-first fragment to our address", F().ipv4("10.0.0.5", "10.0.0.1").fragment(false, 100).udp(1, 69).tftp(3),
       XDP_DROP, BG_VERDICT_DROP, BG_DROP_FRAGMENT},
      {"TFTP opcode 0", tftp_from("10.0.0.5").tftp(0), XDP_DROP, BG_VERDICT_DROP, BG_DROP_BAD_OPCODE},
      {"TFTP opcode 7", tftp_from("10.0.0.5").tftp(7), XDP_DROP, BG_VERDICT_DROP, BG_DROP_BAD_OPCODE},
      {"TFTP opcode 0x0104 on a transfer port", F().ipv4("10.0.0.5", "10.0.0.1").udp(1, 50000).tftp(0x0104), XDP_DROP,
       BG_VERDICT_DROP, BG_DROP_BAD_OPCODE},
      {"TFTP payload of one byte", tftp_from("10.0.0.5").payload({0}), XDP_DROP, BG_VERDICT_DROP, BG_DROP_TRUNCATED},
      {"RRQ of 600 bytes", tftp_from("10.0.0.5").tftp_rrq("big", 600), XDP_DROP, BG_VERDICT_DROP, BG_DROP_OVERSIZE},
      {"DHCP BOOTREPLY to port 67", F().ipv4("10.0.0.5", "10.0.0.1").udp(67, 67).dhcp(2), XDP_DROP, BG_VERDICT_DROP,
       BG_DROP_BAD_OPCODE},
      {"DHCP of 100 bytes", dhcp_discover().dhcp(1, 100), XDP_DROP, BG_VERDICT_DROP, BG_DROP_TRUNCATED},
      {"DHCP of 2000 bytes", dhcp_discover().dhcp(1, 2000), XDP_DROP, BG_VERDICT_DROP, BG_DROP_OVERSIZE},
  };
}

class XdpVerdictTest : public BpfTest {};

TEST_F(XdpVerdictTest, EveryRowGetsItsVerdictAndExactlyItsCounters) {
  load(kPolicy);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.what);
    Delta d;
    d.before = stats();
    EXPECT_EQ(run(c.frame), c.action);
    d.after = stats();

    for (int v = 0; v < BG_VERDICT_COUNT; ++v) EXPECT_EQ(d.verdict(v), v == c.verdict ? 1u : 0u) << verdict_names()[v].name;
    for (int r = 0; r < BG_DROP_COUNT; ++r) EXPECT_EQ(d.drop(r), r == c.reason ? 1u : 0u) << drop_reason_names()[r].name;
    for (int k = 0; k < BG_CLASS_COUNT; ++k) EXPECT_EQ(d.admit(k), k == c.cls ? 1u : 0u) << class_names()[k].name;

    // Per-VLAN: one count in the frame's slot for anything ours; nothing for passed traffic.
    if (c.verdict == BG_VERDICT_PASS) {
      EXPECT_EQ(d.vlan_total(), 0u);
    } else {
      const int stat = c.verdict == BG_VERDICT_DROP ? vlan_stat_for(c.reason) : BG_VSTAT_ADMITTED;
      const auto slot = c.slot == kNone ? c.frame.vlan_slot() : static_cast<std::uint32_t>(c.slot);
      EXPECT_EQ(d.vlan(slot, stat), 1u) << vlan_stat_names()[stat].name;
      EXPECT_EQ(d.vlan_total(), 1u);
    }
  }
}

TEST_F(XdpVerdictTest, MacAllowListAppliesOnlyToAddresslessDhcp) {
  load(R"(
local_addresses: [10.0.0.1]
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}]
dhcp_mac_allow: ["52:54:00", "02:00:00:00:00:01"]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)");
  struct Row {
    Mac mac;
    const char* src;
    int action;
    int reason;
  } rows[] = {
      {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, "0.0.0.0", XDP_PASS, kNone},   // OUI match
      {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, "0.0.0.0", XDP_PASS, kNone},   // exact MAC
      {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}, "0.0.0.0", XDP_DROP, BG_DROP_MAC},
      {{0x52, 0x54, 0x01, 0x12, 0x34, 0x56}, "0.0.0.0", XDP_DROP, BG_DROP_MAC},
      {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}, "10.0.0.5", XDP_PASS, kNone},  // has an address: prefix decides
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.src);
    Delta d;
    d.before = stats();
    const auto dst = std::string(r.src) == "0.0.0.0" ? "255.255.255.255" : "10.0.0.1";
    EXPECT_EQ(run(Frame().src_mac(r.mac).ipv4(r.src, dst).udp(68, 67).dhcp()), r.action);
    d.after = stats();
    if (r.reason != kNone) EXPECT_EQ(d.drop(r.reason), 1u);
    else EXPECT_EQ(d.verdict(BG_VERDICT_ADMIT_PASS), 1u);
  }
}

TEST_F(XdpVerdictTest, AnyLocalAddressAdmitsEveryDestinationButPassesBareFragments) {
  load(R"(
local_addresses: [any]
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)");
  EXPECT_EQ(run(tftp_from("10.0.0.5", "198.51.100.7")), XDP_PASS);
  EXPECT_EQ(stats().verdict[BG_VERDICT_ADMIT_PASS], 1u);
  // Without a list of our addresses a non-first fragment cannot be told from other services' traffic.
  EXPECT_EQ(run(Frame().ipv4("10.0.0.5", "198.51.100.7").fragment(false, 10).udp(1, 69).tftp(3)), XDP_PASS);
  EXPECT_EQ(stats().verdict[BG_VERDICT_PASS], 1u);
  // A first fragment still shows its port and is dropped.
  EXPECT_EQ(run(tftp_from("10.0.0.5", "198.51.100.7").fragment(true, 0)), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_FRAGMENT], 1u);
}

TEST_F(XdpVerdictTest, UntaggedIsAnExplicitPolicyEntry) {
  load(R"(
local_addresses: [10.0.0.1]
interfaces: [{name: lo, vlans: [{vlan: 10, prefixes: [10.0.0.0/24]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
)");
  EXPECT_EQ(run(tftp_from("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(run(dhcp_discover()), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_VLAN], 2u);
  EXPECT_EQ(run(tftp_from("10.0.0.5").vlan(10)), XDP_PASS);
  EXPECT_EQ(stats().verdict[BG_VERDICT_ADMIT_PASS], 1u);
}

}  // namespace
}  // namespace bootgate::xdp::test
