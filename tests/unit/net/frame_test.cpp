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

// The plain RFC 1071 loop, one 16-bit word at a time: what the fast sum must agree with.
std::uint32_t reference_sum(std::span<const std::uint8_t> b) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 2) sum += (std::uint32_t{b[i]} << 8) | (i + 1 < b.size() ? b[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

TEST(Frame, FastSumMatchesTheWordByWordSum) {
  std::vector<std::uint8_t> bytes(9008);  // room for the longest length at the largest offset
  std::uint32_t x = 12345;
  for (auto& b : bytes) b = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 16);
  // Every length from 0 to 64 (all tail shapes), a TFTP block, odd and jumbo sizes, at odd offsets
  // (the data need not be aligned), and all-ones words (carries on every addition).
  for (std::size_t len : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 63, 64, 1468, 1471, 9000}) {
    for (std::size_t off : {0, 1, 3}) {
      const auto span = std::span(bytes).subspan(off, len);
      EXPECT_EQ(checksum_add(0, span), reference_sum(span)) << len << "@" << off;
      EXPECT_EQ(checksum_fold(checksum_add(0xfffe, span)), checksum_fold(reference_sum(span) + 0xfffe)) << len << "@" << off;
    }
  }
  const std::vector<std::uint8_t> ones(4096, 0xff);
  EXPECT_EQ(checksum_add(0, ones), reference_sum(ones));
}

TEST(Frame, OffloadedChecksumPassesOnlyWhereAllowed) {
  std::vector<std::uint8_t> payload(100, 0x5a);
  std::vector<std::uint8_t> frame;
  auto f = sample(payload);
  f.dst_ip = 0x0a000002;
  build_udp_frame(f, frame);
  // What a sender with checksum offload hands over: the folded pseudo-header sum, not complemented.
  const std::uint32_t udp_len = 8 + 100;
  const std::uint32_t pseudo = (f.src_ip >> 16) + (f.src_ip & 0xffff) + (f.dst_ip >> 16) + (f.dst_ip & 0xffff) + 17 + udp_len;
  const auto partial = static_cast<std::uint16_t>(~checksum_fold(pseudo));
  frame[40] = static_cast<std::uint8_t>(partial >> 8);
  frame[41] = static_cast<std::uint8_t>(partial);
  EXPECT_EQ(parse_udp_frame(frame).error, FrameError::bad_checksum);
  EXPECT_TRUE(parse_udp_frame(frame, UdpChecksum::allow_partial).frame);
  frame[41] ^= 0x10;  // neither complete nor the partial value: still refused
  EXPECT_EQ(parse_udp_frame(frame, UdpChecksum::allow_partial).error, FrameError::bad_checksum);
}

TEST(Frame, ChecksumLeftToTheKernelIsFinishedWhereItSays) {
  std::vector<std::uint8_t> payload(1468);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 1);
  for (const bool tagged : {false, true}) {
    auto f = sample(payload);
    f.dst_ip = 0x0a000002;
    if (tagged) f.vlan = 10;
    std::vector<std::uint8_t> full, partial;
    build_udp_frame(f, full, 9);
    build_udp_frame(f, partial, 9, UdpChecksumOut::offload);
    ASSERT_EQ(full.size(), partial.size());
    // Until finished the frame only passes where offloading senders are allowed for.
    EXPECT_EQ(parse_udp_frame(partial).error, FrameError::bad_checksum);
    EXPECT_TRUE(parse_udp_frame(partial, UdpChecksum::allow_partial).frame);
    // Finish it as a NIC (or the kernel) does with the request we send: sum from the UDP header to
    // the end, field included, and store the complement in the field. It must equal our own sum.
    const auto start = udp_header_offset(f);
    EXPECT_EQ(start, tagged ? 38u : 34u);
    const auto sum = checksum_fold(checksum_add(0, std::span(partial).subspan(start)));
    partial[start + kUdpChecksumField] = static_cast<std::uint8_t>(sum >> 8);
    partial[start + kUdpChecksumField + 1] = static_cast<std::uint8_t>(sum);
    EXPECT_EQ(partial, full) << (tagged ? "tagged" : "untagged");
  }
}

TEST(Frame, BuildsInPlaceIntoACallersBuffer) {
  std::vector<std::uint8_t> payload(1468);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 13);
  auto f = sample(payload);
  f.vlan = 42;
  std::vector<std::uint8_t> expect;
  build_udp_frame(f, expect, 7);
  // The payload already at its place in the buffer (as a datapath writes it), the headers around it.
  std::vector<std::uint8_t> buf(2048, 0xee);
  const std::size_t at = 14 + 4 + 20 + 8;
  std::copy(payload.begin(), payload.end(), buf.begin() + at);
  f.payload = std::span<const std::uint8_t>(buf).subspan(at, payload.size());
  ASSERT_EQ(udp_frame_size(f, payload.size()), expect.size());
  ASSERT_EQ(build_udp_frame(f, std::span(buf), 7), expect.size());
  EXPECT_TRUE(std::equal(expect.begin(), expect.end(), buf.begin()));
  std::vector<std::uint8_t> small(expect.size() - 1);
  EXPECT_THROW(build_udp_frame(f, std::span(small), 7), std::exception);
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
  EXPECT_TRUE(parse_udp_frame(bad, UdpChecksum::skip).frame);

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
