// Token buckets: per-source new requests, the separate in-transfer budget, the global cap, and the
// fail-closed source table. Time is driven through the config's clock offset, so refill is exact:
// the real time a test takes (milliseconds) is far below one token at these rates.
#include <linux/bpf.h>

#include "bpf_test_support.hpp"

namespace bootgate::xdp::test {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ull;

std::string policy(const std::string& rate, const std::string& extra = "") {
  return R"(
local_addresses: [10.0.0.1]
tftp_transfer_ports: 50000-50099
interfaces: [{name: lo, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}]
rate: )" + rate + "\n" + extra;
}

Frame rrq(const char* src) { return Frame().ipv4(src, "10.0.0.1").udp(40000, 69).tftp_rrq(); }
Frame ack(const char* src) { return Frame().ipv4(src, "10.0.0.1").udp(40000, 50001).tftp_ack(1); }
Frame discover(Mac mac) { return Frame().src_mac(mac).ipv4("0.0.0.0", "255.255.255.255").udp(68, 67).dhcp(); }

class XdpRateTest : public BpfTest {};

TEST_F(XdpRateTest, PerSourceBucketEmptiesAfterBurstAndRefillsAtRate) {
  load(policy("{requests_per_second: 1, burst: 3, transfer_packets_per_second: 0, global_requests_per_second: 0}"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS) << i;
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_SOURCE], 1u);
  EXPECT_EQ(stats().vlans.back().count[BG_VSTAT_DROP_RATE], 1u);

  // Another source has its own bucket.
  EXPECT_EQ(run(rrq("10.0.0.6")), XDP_PASS);

  // One second later exactly one token is back.
  advance_clock(kSecond);
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);

  // A long idle refills to the burst, not beyond.
  advance_clock(3600 * kSecond);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS) << i;
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_SOURCE], 3u);
  EXPECT_EQ(stats().admit[BG_CLASS_TFTP_REQUEST], 8u);
}

TEST_F(XdpRateTest, RunningTransferIsNotStarvedByItsOwnRequestFlood) {
  load(policy("{requests_per_second: 1, burst: 1, transfer_packets_per_second: 1000, transfer_burst: 100, "
              "global_requests_per_second: 0}"));
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(run(ack("10.0.0.5")), XDP_PASS) << i;
  EXPECT_EQ(stats().drop[BG_DROP_RATE_SOURCE], 50u);
  EXPECT_EQ(stats().admit[BG_CLASS_TFTP_TRANSFER], 100u);
}

TEST_F(XdpRateTest, InTransferBudgetIsSeparateAndBounded) {
  load(policy("{requests_per_second: 100, burst: 100, transfer_packets_per_second: 10, transfer_burst: 2, "
              "global_requests_per_second: 0}"));
  EXPECT_EQ(run(ack("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(ack("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(ack("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_TRANSFER], 1u);
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);  // requests have their own bucket
  advance_clock(kSecond / 10);                // 10/s: one token per 100 ms
  EXPECT_EQ(run(ack("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(ack("10.0.0.5")), XDP_DROP);
}

TEST_F(XdpRateTest, GlobalCapLimitsNewRequestsAcrossSources) {
  load(policy("{requests_per_second: 100, burst: 100, transfer_packets_per_second: 0, global_requests_per_second: 1, "
              "global_burst: 2}"));
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.6")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.7")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_GLOBAL], 1u);
  // In-transfer packets are not new requests: the cap does not touch them.
  EXPECT_EQ(run(ack("10.0.0.7")), XDP_PASS);
  advance_clock(kSecond);
  EXPECT_EQ(run(rrq("10.0.0.7")), XDP_PASS);
  EXPECT_EQ(run(rrq("10.0.0.8")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_GLOBAL], 2u);
}

TEST_F(XdpRateTest, FloodingSourceDoesNotDrainTheGlobalCap) {
  load(policy("{requests_per_second: 1, burst: 1, transfer_packets_per_second: 0, global_requests_per_second: 1, "
              "global_burst: 2}"));
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_SOURCE], 20u);
  EXPECT_EQ(run(rrq("10.0.0.6")), XDP_PASS);  // one global token was left
}

TEST_F(XdpRateTest, AddresslessDhcpIsLimitedPerMac) {
  load(policy("{requests_per_second: 1, burst: 2, transfer_packets_per_second: 0, global_requests_per_second: 0}"));
  const Mac a{0x02, 0, 0, 0, 0, 0x0a}, b{0x02, 0, 0, 0, 0, 0x0b};
  EXPECT_EQ(run(discover(a)), XDP_PASS);
  EXPECT_EQ(run(discover(a)), XDP_PASS);
  EXPECT_EQ(run(discover(a)), XDP_DROP);
  EXPECT_EQ(run(discover(b)), XDP_PASS);
  EXPECT_EQ(stats().drop[BG_DROP_RATE_SOURCE], 1u);
  EXPECT_EQ(stats().admit[BG_CLASS_DHCP_ANON], 3u);
}

TEST_F(XdpRateTest, FullSourceTableFailsClosedForNewSourcesOnly) {
  load(policy("{requests_per_second: 10, burst: 10, transfer_packets_per_second: 0, global_requests_per_second: 0}",
              "tables: {sources: 4}\n"));
  const char* known[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
  for (const auto* src : known) EXPECT_EQ(run(rrq(src)), XDP_PASS) << src;
  EXPECT_EQ(map_entries(loader_->skeleton().maps.bg_sources), 4u);

  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_DROP);
  EXPECT_EQ(run(rrq("10.0.0.6")), XDP_DROP);
  EXPECT_EQ(stats().drop[BG_DROP_TABLE_FULL], 2u);
  EXPECT_EQ(run(rrq("10.0.0.2")), XDP_PASS);  // known sources keep working

  // Nothing is idle yet: expiry frees nothing.
  EXPECT_EQ(loader_->expire_idle_sources(std::chrono::seconds(5)), 0u);
  // After the idle time the sweeper frees the table and the new source gets in.
  advance_clock(10 * kSecond);
  EXPECT_EQ(loader_->expire_idle_sources(std::chrono::seconds(5)), 4u);
  EXPECT_EQ(run(rrq("10.0.0.5")), XDP_PASS);
  EXPECT_EQ(stats().drop[BG_DROP_TABLE_FULL], 2u);
}

}  // namespace
}  // namespace bootgate::xdp::test
