// The DHCP codec: round trips, option overload, size limits, and rejection of hostile packets.
#include "core/dhcp/packet.hpp"

#include <gtest/gtest.h>

#include "dhcp/dhcp_test_support.hpp"

namespace bootgate::dhcp {
namespace {

using testing::ClientPacket;
using testing::ip;
using testing::mac;

std::vector<std::uint8_t> minimal_discover() { return ClientPacket(MessageType::discover, mac(1)).bytes(); }

TEST(DhcpPacket, RoundTripsHeaderAndOptions) {
  ClientPacket c(MessageType::request, mac(7), 0xdeadbeef);
  c.ciaddr(ip("10.0.0.5")).giaddr(ip("10.9.0.1")).broadcast().requested(ip("10.0.0.9")).client_id("\x01" "abcdef");
  c.p.secs = 3;
  c.p.file = "pxelinux.0";
  c.p.sname = "boot";
  auto parsed = parse(c.bytes());
  ASSERT_TRUE(parsed.ok());
  const Packet& p = *parsed;
  EXPECT_EQ(p.op, Op::request);
  EXPECT_EQ(p.xid, 0xdeadbeefu);
  EXPECT_EQ(p.secs, 3);
  EXPECT_TRUE(p.broadcast());
  EXPECT_EQ(p.ciaddr, ip("10.0.0.5"));
  EXPECT_EQ(p.giaddr, ip("10.9.0.1"));
  EXPECT_EQ(p.hops, 1);
  EXPECT_EQ(p.hw_address(), mac(7));
  EXPECT_EQ(p.file, "pxelinux.0");
  EXPECT_EQ(p.sname, "boot");
  EXPECT_EQ(p.message_type(), MessageType::request);
  EXPECT_EQ(p.options.get_ipv4(option::requested_address), ip("10.0.0.9"));
  EXPECT_EQ(p.options.get_string(option::client_id), "\x01" "abcdef");
}

TEST(DhcpPacket, PadsToBootpMinimumSize) {
  EXPECT_EQ(minimal_discover().size(), kBootpMinSize);
}

TEST(DhcpPacket, RejectsTruncatedPacket) {
  auto b = minimal_discover();
  for (std::size_t n : {0ul, 1ul, 100ul, kFixedHeaderSize - 1}) {
    auto r = parse(std::span(b.data(), n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(), ParseError::truncated);
  }
}

TEST(DhcpPacket, RejectsBadMagicCookie) {
  auto b = minimal_discover();
  b[kFixedHeaderSize] = 0x64;
  auto r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ParseError::bad_cookie);
}

TEST(DhcpPacket, RejectsOptionLengthPastTheEnd) {
  auto b = minimal_discover();
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::message_type, 1, 1, option::hostname, 40, 'a', 'b'});
  auto r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ParseError::option_overflow);
  // A code with no length byte at the very end.
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::message_type, 1, 1, option::hostname});
  r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ParseError::option_overflow);
}

TEST(DhcpPacket, RejectsMissingEndOption) {
  auto b = minimal_discover();
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::message_type, 1, 1});
  auto r = parse(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ParseError::missing_end);
}

TEST(DhcpPacket, RejectsBadOpAndHlenAndOverload) {
  auto b = minimal_discover();
  b[0] = 3;
  EXPECT_EQ(parse(b).error(), ParseError::bad_op);
  b = minimal_discover();
  b[2] = 17;
  EXPECT_EQ(parse(b).error(), ParseError::bad_hlen);
  b = minimal_discover();
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::overload, 1, 4, option::end});
  EXPECT_EQ(parse(b).error(), ParseError::bad_overload);
}

TEST(DhcpPacket, AcceptsPlainBootpWithoutVendorArea) {
  ClientPacket c = ClientPacket::bootp(mac(3));
  c.p.has_cookie = false;
  auto b = c.bytes();
  EXPECT_EQ(b.size(), kBootpMinSize);
  auto r = parse(b);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_cookie);
  EXPECT_FALSE(r->message_type());
  b.resize(kFixedHeaderSize);  // no vend field at all
  ASSERT_TRUE(parse(b).ok());
}

TEST(DhcpPacket, ReadsOptionsFromOverloadedFileAndSname) {
  auto b = minimal_discover();
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::message_type, 1, 1, option::overload, 1, 3, option::end});
  b.resize(kBootpMinSize);
  // file: hostname "pc", then a first part of a split option 15; sname: its second part.
  const std::uint8_t file_opts[] = {option::hostname, 2, 'p', 'c', option::domain_name, 3, 'l', 'a', 'b', option::end};
  std::copy(std::begin(file_opts), std::end(file_opts), b.begin() + kFileOffset);
  const std::uint8_t sname_opts[] = {option::domain_name, 4, '.', 'n', 'e', 't', option::end};
  std::copy(std::begin(sname_opts), std::end(sname_opts), b.begin() + kSnameOffset);
  auto r = parse(b);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->options.get_string(option::hostname), "pc");
  EXPECT_EQ(r->options.get_string(option::domain_name), "lab.net");  // RFC 3396: file before sname
  EXPECT_TRUE(r->file.empty());
  EXPECT_TRUE(r->sname.empty());
}

TEST(DhcpPacket, RejectsOverflowInsideOverloadedField) {
  auto b = minimal_discover();
  b.resize(kOptionsOffset);
  b.insert(b.end(), {option::message_type, 1, 1, option::overload, 1, 2, option::end});
  b.resize(kBootpMinSize);
  b[kSnameOffset + 62] = option::hostname;
  b[kSnameOffset + 63] = 10;  // runs past the 64-byte sname field
  EXPECT_EQ(parse(b).error(), ParseError::option_overflow);
}

TEST(DhcpPacket, EncoderOverloadsWhenOptionsDoNotFit) {
  Packet p;
  p.op = Op::reply;
  p.options.set_u8(option::message_type, 5);
  // 3 × 92 bytes fill the 304 usable bytes of a 548-byte message; the next goes to file, the last to sname.
  for (std::uint8_t code : {200, 201, 202}) p.options.set(code, std::vector<std::uint8_t>(90, code));
  p.options.set(203, std::vector<std::uint8_t>(100, 'f'));
  p.options.set(204, std::vector<std::uint8_t>(40, 's'));
  std::vector<std::uint8_t> out;
  auto r = encode(p, EncodeLimits{}, out);
  EXPECT_TRUE(r.overloaded);
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_LE(out.size(), kDefaultMaxMessage);
  auto back = parse(out);
  ASSERT_TRUE(back.ok()) << to_string(back.error());
  for (std::uint8_t code : {200, 201, 202}) {
    ASSERT_TRUE(back->options.has(code));
    EXPECT_EQ(back->options.get(code)->size(), 90u);
  }
  ASSERT_TRUE(back->options.has(203));
  EXPECT_EQ(back->options.get(203)->size(), 100u);
  ASSERT_TRUE(back->options.has(204));
  EXPECT_EQ(back->options.get(204)->size(), 40u);
  EXPECT_EQ(back->options.get_u8(option::overload), 3);
}

TEST(DhcpPacket, EncoderDropsWhatCannotFitAndNeverOverloadsUsedFields) {
  Packet p;
  p.op = Op::reply;
  p.file = "boot.efi";
  p.sname = "srv";
  p.options.set_u8(option::message_type, 5);
  p.options.set(200, std::vector<std::uint8_t>(250, 'x'));
  p.options.set(201, std::vector<std::uint8_t>(250, 'x'));
  std::vector<std::uint8_t> out;
  auto r = encode(p, EncodeLimits{}, out);
  EXPECT_FALSE(r.overloaded);
  EXPECT_EQ(r.dropped, 1u);
  auto back = parse(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->file, "boot.efi");
  EXPECT_TRUE(back->options.has(200));
  EXPECT_FALSE(back->options.has(201));
}

TEST(DhcpPacket, SplitsLongOptionsAndJoinsThemBack) {
  Packet p;
  p.options.set_u8(option::message_type, 1);
  std::vector<std::uint8_t> v(600);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i);
  p.options.set(option::classless_routes, v);
  std::vector<std::uint8_t> out;
  EncodeLimits l;
  l.max_size = 1500;
  encode(p, l, out);
  auto back = parse(out);
  ASSERT_TRUE(back.ok());
  auto got = back->options.get(option::classless_routes);
  ASSERT_TRUE(got);
  EXPECT_TRUE(std::equal(got->begin(), got->end(), v.begin(), v.end()));
}

TEST(DhcpPacket, ReplySizeLimitHonoursOption57) {
  ClientPacket c(MessageType::discover, mac(1));
  EXPECT_EQ(reply_size_limit(c.p, 1472), kDefaultMaxMessage);
  c.p.options.set_u16(option::max_message_size, 1500);
  EXPECT_EQ(reply_size_limit(c.p, 1472), 1472u);
  EXPECT_EQ(reply_size_limit(c.p, 9000), 1500u - 28);
  c.p.options.set_u16(option::max_message_size, 100);  // below the legal minimum: ignored
  EXPECT_EQ(reply_size_limit(c.p, 1472), kDefaultMaxMessage);
}

}  // namespace
}  // namespace bootgate::dhcp
