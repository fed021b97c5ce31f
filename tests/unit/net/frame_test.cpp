#include "net/frame.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace bootgate::net {
namespace {

UdpFrame sample(std::span<const std::uint8_t> payload) {
  UdpFrame f;
  f.dst_mac = kBroadcastMac;
  f.src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  f.src_ip = 0x0a000001;  // 10.0.0.1
  f.dst_ip = 0xffffffff;
  f.src_port = 67;
  f.dst_port = 68;
  f.payload = payload;
  return f;
}

TEST(Frame, Rfc1071Example) {
  // RFC 1071 §3: the one's complement sum of these bytes is 0xddf2.
  const std::vector<std::uint8_t> bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_fold(checksum_add(0, bytes)), static_cast<std::uint16_t>(~0xddf2));
}

TEST(Frame, BuildsAndParsesUntagged) {
  std::vector<std::uint8_t> payload(301);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  std::vector<std::uint8_t> out;
  build_udp_frame(sample(payload), out, 0x1234);
  ASSERT_EQ(out.size(), kEthernetHeader + kIpv4Header + kUdpHeader + payload.size());
  EXPECT_EQ(out[12], 0x08);
  EXPECT_EQ(out[13], 0x00);
  EXPECT_EQ(out[14], 0x45);
  // The IPv4 header sums to zero with its checksum in place.
  EXPECT_EQ(checksum_fold(checksum_add(0, std::span(out).subspan(14, 20))), 0);

  auto r = parse_udp_frame(out);
  ASSERT_TRUE(r.frame) << to_string(r.error);
  EXPECT_FALSE(r.frame->vlan);
  EXPECT_EQ(r.frame->src_mac, sample(payload).src_mac);
  EXPECT_EQ(r.frame->dst_mac, kBroadcastMac);
  EXPECT_EQ(r.frame->src_ip, 0x0a000001u);
  EXPECT_EQ(r.frame->dst_ip, 0xffffffffu);
  EXPECT_EQ(r.frame->src_port, 67);
  EXPECT_EQ(r.frame->dst_port, 68);
  EXPECT_EQ(std::vector<std::uint8_t>(r.frame->payload.begin(), r.frame->payload.end()), payload);
}

TEST(Frame, VlanTagRoundTrip) {
  const std::vector<std::uint8_t> payload{1, 2, 3, 4};
  auto f = sample(payload);
  f.vlan = 100;
  f.vlan_pcp = 5;
  std::vector<std::uint8_t> out;
  build_udp_frame(f, out);
  EXPECT_EQ(out[12], 0x81);
  EXPECT_EQ(out[13], 0x00);
  EXPECT_EQ(out[14], 0xa0);  // PCP 5, id 100 = 0x064
  EXPECT_EQ(out[15], 0x64);
  auto r = parse_udp_frame(out);
  ASSERT_TRUE(r.frame);
  EXPECT_EQ(r.frame->vlan, 100);
  EXPECT_EQ(r.frame->vlan_pcp, 5);
  EXPECT_EQ(r.frame->payload.size(), 4u);
}

TEST(Frame, IgnoresEthernetPadding) {
  const std::vector<std::uint8_t> payload{9};
  std::vector<std::uint8_t> out;
  build_udp_frame(sample(payload), out);
  out.resize(60, 0);  // minimum Ethernet frame
  auto r = parse_udp_frame(out);
  ASSERT_TRUE(r.frame);
  EXPECT_EQ(r.frame->payload.size(), 1u);
}

TEST(Frame, EveryTruncationIsRejected) {
  const std::vector<std::uint8_t> payload(40, 0xab);
  std::vector<std::uint8_t> out;
  build_udp_frame(sample(payload), out);
  for (std::size_t n = 0; n < out.size(); ++n) {
    auto r = parse_udp_frame(std::span(out).first(n));
    EXPECT_FALSE(r.frame) << "length " << n;
  }
}

TEST(Frame, DetectsCorruption) {
  const std::vector<std::uint8_t> payload(40, 0xab);
  std::vector<std::uint8_t> good;
  build_udp_frame(sample(payload), good);

  auto bad = good;
  bad.back() ^= 0x01;
  EXPECT_EQ(parse_udp_frame(bad).error, FrameError::bad_checksum);

  bad = good;
  bad[14 + 8] = 1;  // TTL changed without fixing the header checksum
  EXPECT_EQ(parse_udp_frame(bad).error, FrameError::bad_ip_header);

  bad = good;
  bad[14 + 20 + 6] = 0;  // no UDP checksum: accepted, as RFC 768 allows
  bad[14 + 20 + 7] = 0;
  bad.back() ^= 0x01;
  EXPECT_TRUE(parse_udp_frame(bad).frame);

  bad = good;
  bad.back() ^= 0x01;  // the kernel vouched for the checksum (or offload fills it in later)
  EXPECT_TRUE(parse_udp_frame(bad, false).frame);

  bad = good;
  bad[12] = 0x86;  // IPv6
  bad[13] = 0xdd;
  EXPECT_EQ(parse_udp_frame(bad).error, FrameError::not_ipv4);
}

TEST(Frame, RejectsFragmentsAndOtherProtocols) {
  const std::vector<std::uint8_t> payload(10, 1);
  std::vector<std::uint8_t> frame;
  build_udp_frame(sample(payload), frame);
  auto refix = [](std::vector<std::uint8_t>& f) {
    f[24] = f[25] = 0;
    const auto c = checksum_fold(checksum_add(0, std::span(f).subspan(14, 20)));
    f[24] = static_cast<std::uint8_t>(c >> 8);
    f[25] = static_cast<std::uint8_t>(c);
  };
  auto frag = frame;
  frag[20] = 0x20;  // MF
  refix(frag);
  EXPECT_EQ(parse_udp_frame(frag).error, FrameError::fragment);
  auto tcp = frame;
  tcp[23] = 6;
  refix(tcp);
  EXPECT_EQ(parse_udp_frame(tcp).error, FrameError::not_udp);
  auto longer = frame;
  longer[14 + 20 + 4] = 0x10;  // UDP length past the IP packet
  EXPECT_EQ(parse_udp_frame(longer).error, FrameError::bad_udp_length);
}

TEST(Frame, ZeroChecksumIsSentAsAllOnes) {
  // Find a payload whose UDP checksum computes to zero and check it is sent as 0xffff.
  for (std::uint16_t x = 0; x < 0xffff; ++x) {
    const std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
    std::vector<std::uint8_t> out;
    build_udp_frame(sample(payload), out);
    if (out[40] == 0xff && out[41] == 0xff) {
      EXPECT_TRUE(parse_udp_frame(out).frame);
      return;
    }
  }
  FAIL() << "no payload produced a zero checksum";
}

}  // namespace
}  // namespace bootgate::net
