// TFTP codec, option negotiation, netascii and file-name rules.
#include <gtest/gtest.h>

using namespace std::string_literals;

#include <string>
#include <vector>

#include "core/tftp/filename.hpp"
#include "core/tftp/netascii.hpp"
#include "core/tftp/options.hpp"
#include "core/tftp/packet.hpp"

using namespace bootgate;
using namespace bootgate::tftp;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::vector<std::uint8_t> encode(const Request& r) {
  std::vector<std::uint8_t> out(encoded_size(r));
  EXPECT_EQ(encode_request(r, out), out.size());
  return out;
}

}  // namespace

TEST(Codec, RequestRoundTripLowercasesOptionNamesAndKeepsOrder) {
  auto raw = bytes("\0\x01pxelinux.0\0OcTeT\0BLKSIZE\0001468\0tsize\0000\0"s);
  auto p = parse(raw);
  ASSERT_TRUE(p.ok()) << to_string(p.error());
  auto& r = std::get<Request>(p.value());
  EXPECT_EQ(r.op, Opcode::rrq);
  EXPECT_EQ(r.filename, "pxelinux.0");
  EXPECT_EQ(r.mode, Mode::octet);
  ASSERT_EQ(r.options.size(), 2u);
  EXPECT_EQ(r.options[0], (Option{"blksize", "1468"}));
  EXPECT_EQ(r.options[1], (Option{"tsize", "0"}));
  auto again = parse(encode(r));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(std::get<Request>(again.value()), r);
}

TEST(Codec, ModesAreCaseInsensitive) {
  for (const char* m : {"netascii", "NETASCII", "NetAscii"}) {
    Request r{Opcode::wrq, "f", Mode::octet, {}};
    std::string raw = std::string("\0\x02", 2) + "f" + '\0' + m + '\0';
    auto p = parse(bytes(raw));
    ASSERT_TRUE(p.ok()) << m;
    EXPECT_EQ(std::get<Request>(p.value()).mode, Mode::netascii);
  }
}

TEST(Codec, DataAckErrorOackRoundTrip) {
  std::vector<std::uint8_t> buf(600);
  const std::vector<std::uint8_t> payload{1, 2, 3};
  auto n = encode_data(65535, payload, buf);
  auto d = parse(std::span(buf.data(), n));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<Data>(d.value()).block, 65535);
  EXPECT_EQ(std::vector<std::uint8_t>(std::get<Data>(d.value()).payload.begin(), std::get<Data>(d.value()).payload.end()), payload);

  n = encode_ack(7, buf);
  EXPECT_EQ(std::get<Ack>(parse(std::span(buf.data(), n)).value()).block, 7);

  n = encode_error(ErrorCode::file_not_found, "nope", buf);
  auto e = std::get<Error>(parse(std::span(buf.data(), n)).value());
  EXPECT_EQ(e.code, ErrorCode::file_not_found);
  EXPECT_EQ(e.message, "nope");

  std::vector<Option> opts{{"blksize", "1428"}, {"tsize", "123456789012"}};
  n = encode_oack(opts, buf);
  EXPECT_EQ(std::get<OAck>(parse(std::span(buf.data(), n)).value()).options, opts);
}

TEST(Codec, Rejects) {
  struct Case {
    const char* what;
    std::string raw;
    ParseError expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", ParseError::truncated},
      {"one byte", std::string("\0", 1), ParseError::truncated},
      {"unknown opcode 7", std::string("\0\x07", 2), ParseError::unknown_opcode},
      {"opcode 0", std::string("\0\0", 2), ParseError::unknown_opcode},
      {"rrq no NUL after name", std::string("\0\x01" "file", 6), ParseError::missing_nul},
      {"rrq no mode", std::string("\0\x01" "file\0", 7), ParseError::missing_nul},
      {"rrq bad mode", std::string("\0\x01" "f\0binary\0", 11), ParseError::bad_mode},
      {"option without value", std::string("\0\x01" "f\0octet\0blksize\0", 18), ParseError::bad_option},
      {"option value missing NUL", std::string("\0\x01" "f\0octet\0blksize\0" "512", 21), ParseError::bad_option},
      {"duplicate option", std::string("\0\x01" "f\0octet\0tsize\0" "0\0TSIZE\0" "0\0", 26), ParseError::bad_option},
      {"short data", std::string("\0\x03\0", 3), ParseError::truncated},
      {"short ack", std::string("\0\x04\0", 3), ParseError::truncated},
      {"long ack", std::string("\0\x04\0\x01\0", 5), ParseError::trailing_bytes},
      {"short error", std::string("\0\x05\0", 3), ParseError::truncated},
  };
  for (const auto& c : cases) {
    auto p = parse(bytes(c.raw));
    ASSERT_FALSE(p.ok()) << c.what;
    EXPECT_EQ(p.error(), c.expected) << c.what;
  }
}

TEST(Codec, TooManyOptionsRejected) {
  std::string raw = std::string("\0\x01" "f\0octet\0", 10);
  for (int i = 0; i < 17; ++i) raw += "o" + std::to_string(i) + '\0' + "1" + '\0';
  EXPECT_FALSE(parse(bytes(raw)).ok());
}

TEST(Codec, EncodersRefuseShortBuffers) {
  std::vector<std::uint8_t> tiny(3);
  EXPECT_EQ(encode_ack(1, tiny), 0u);
  EXPECT_EQ(encode_error(ErrorCode::disk_full, "x", tiny), 0u);
  EXPECT_EQ(encode_request(Request{Opcode::rrq, "file", Mode::octet, {}}, tiny), 0u);
}

TEST(Negotiation, Table) {
  struct Case {
    const char* what;
    std::vector<Option> asked;
    NegotiationLimits limits;
    std::optional<std::uint64_t> size;
    std::string oack;  // describe() of the OACK
    std::uint16_t blksize, window;
  };
  NegotiationLimits def;
  NegotiationLimits mtu1500 = def;
  mtu1500.path_blksize = 1500 - 20 - 8 - 4;
  NegotiationLimits small = def;
  small.max_blksize = 1024;
  small.max_windowsize = 8;
  const std::vector<Case> cases = {
      {"no options: no OACK", {}, def, 100, "-", 512, 1},
      {"blksize accepted", {{"blksize", "1468"}}, def, 100, "blksize=1468", 1468, 1},
      {"blksize capped by MTU", {{"blksize", "65464"}}, mtu1500, 100, "blksize=1468", 1468, 1},
      {"blksize capped by config", {{"blksize", "8192"}}, small, 100, "blksize=1024", 1024, 1},
      {"blksize above RFC max capped", {{"blksize", "99999"}}, def, 100, "blksize=65464", 65464, 1},
      {"blksize below 8 ignored", {{"blksize", "7"}}, def, 100, "-", 512, 1},
      {"blksize garbage ignored", {{"blksize", "12ab"}}, def, 100, "-", 512, 1},
      {"blksize huge number ignored", {{"blksize", "999999999999999999999999"}}, def, 100, "-", 512, 1},
      {"windowsize capped", {{"windowsize", "64"}}, small, 100, "windowsize=8", 512, 8},
      {"windowsize 0 ignored", {{"windowsize", "0"}}, def, 100, "-", 512, 1},
      {"windowsize over 65535 ignored", {{"windowsize", "65536"}}, def, 100, "-", 512, 1},
      {"timeout echoed", {{"timeout", "3"}}, def, 100, "timeout=3", 512, 1},
      {"timeout 0 ignored", {{"timeout", "0"}}, def, 100, "-", 512, 1},
      {"timeout 256 ignored", {{"timeout", "256"}}, def, 100, "-", 512, 1},
      {"tsize reports size", {{"tsize", "0"}}, def, 5'000'000'000ull, "tsize=5000000000", 512, 1},
      {"tsize without known size ignored", {{"tsize", "0"}}, def, std::nullopt, "-", 512, 1},
      {"tsize of an empty file not acknowledged (curl rejects 0)", {{"tsize", "0"}}, def, 0, "-", 512, 1},
      {"unknown options ignored", {{"multicast", "1"}, {"blksize", "1024"}}, def, 1, "blksize=1024", 1024, 1},
      {"order kept", {{"tsize", "0"}, {"blksize", "1400"}, {"windowsize", "4"}}, def, 9, "tsize=9 blksize=1400 windowsize=4", 1400, 4},
  };
  for (const auto& c : cases) {
    Request r{Opcode::rrq, "f", Mode::octet, c.asked};
    auto n = negotiate(r, c.limits, c.size);
    EXPECT_EQ(describe(n.oack), c.oack) << c.what;
    EXPECT_EQ(n.blksize, c.blksize) << c.what;
    EXPECT_EQ(n.windowsize, c.window) << c.what;
  }
}

TEST(Negotiation, WriteRequestEchoesAnnouncedTsize) {
  Request r{Opcode::wrq, "f", Mode::octet, {{"tsize", "4294967297"}}};
  auto n = negotiate(r, {}, std::nullopt);
  ASSERT_TRUE(n.tsize);
  EXPECT_EQ(*n.tsize, 4294967297ull);
  EXPECT_EQ(describe(n.oack), "tsize=4294967297");
}

TEST(Negotiation, ClientChecksOack) {
  Request sent{Opcode::rrq, "f", Mode::octet, {{"blksize", "1468"}, {"windowsize", "16"}, {"tsize", "0"}}};
  auto ok = accept_oack(sent, {{"blksize", "1024"}, {"tsize", "77"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->blksize, 1024);
  EXPECT_EQ(ok->windowsize, 1);
  EXPECT_EQ(ok->tsize.value_or(0), 77u);
  EXPECT_FALSE(accept_oack(sent, {{"blksize", "2000"}}).ok());     // larger than asked
  EXPECT_FALSE(accept_oack(sent, {{"windowsize", "32"}}).ok());    // larger than asked
  EXPECT_FALSE(accept_oack(sent, {{"timeout", "5"}}).ok());        // never asked
  EXPECT_FALSE(accept_oack(sent, {{"blksize", "x"}}).ok());
}

TEST(Netascii, EncodeDecodeRoundTripAcrossEveryChunkBoundary) {
  const std::string text = "line one\nline\rtwo\r\n\n\rend\r";
  const std::string wire_expected = "line one\r\nline\r\0two\r\0\r\n\r\n\r\0end\r\0"s;
  for (std::size_t chunk = 1; chunk <= wire_expected.size(); ++chunk) {
    NetasciiEncoder enc;
    std::string wire;
    std::size_t pos = 0;
    while (pos < text.size() || enc.pending()) {
      std::vector<std::uint8_t> out(chunk);
      auto s = enc.encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()) + pos, text.size() - pos), out);
      pos += s.consumed;
      wire.append(out.begin(), out.begin() + static_cast<long>(s.written));
    }
    ASSERT_EQ(wire, wire_expected) << "chunk " << chunk;
    NetasciiDecoder dec;
    std::vector<std::uint8_t> back;
    for (std::size_t i = 0; i < wire.size(); i += chunk)
      dec.decode(std::span(reinterpret_cast<const std::uint8_t*>(wire.data()) + i, std::min(chunk, wire.size() - i)), back);
    dec.finish(back);
    EXPECT_EQ(std::string(back.begin(), back.end()), text) << "chunk " << chunk;
  }
}

TEST(Netascii, DecoderKeepsBareCrAndTrailingCr) {
  NetasciiDecoder dec;
  std::vector<std::uint8_t> out;
  dec.decode(bytes("a\rb\r"), out);
  dec.finish(out);
  EXPECT_EQ(std::string(out.begin(), out.end()), "a\rb\r");
}

TEST(Filename, NormalizesAndRefuses) {
  FilenamePolicy p;
  struct Case {
    std::string in;
    std::optional<std::string> out;
  };
  const std::vector<Case> cases = {
      {"pxelinux.0", "pxelinux.0"},
      {"/pxelinux.0", "pxelinux.0"},
      {"//boot//./x", "boot/x"},
      {"boot\\x64\\wdsnbp.com", "boot/x64/wdsnbp.com"},
      {"../etc/passwd", std::nullopt},
      {"a/../../b", std::nullopt},
      {"..\\..\\etc\\shadow", std::nullopt},
      {"/", std::nullopt},
      {"", std::nullopt},
      {"a\x01" "b", std::nullopt},
      {std::string(300, 'a'), std::nullopt},
  };
  for (const auto& c : cases) {
    auto r = normalize_filename(c.in, p);
    if (c.out) {
      ASSERT_TRUE(r.ok()) << c.in << ": " << r.error();
      EXPECT_EQ(*r, *c.out);
    } else {
      EXPECT_FALSE(r.ok()) << c.in << " -> " << (r.ok() ? *r : "");
    }
  }
}

TEST(Filename, RemapRulesFirstMatchWinsAndCannotEscape) {
  FilenamePolicy p;
  p.remap.push_back({"", std::regex("^pxelinux\\.cfg/01-(.*)$"), "hosts/$1.cfg"});
  p.remap.push_back({"", std::regex("^(.*)$"), "default/$1"});
  p.remap.push_back({"", std::regex("^evil$"), "../outside"});
  EXPECT_EQ(*normalize_filename("pxelinux.cfg/01-aa-bb", p), "hosts/aa-bb.cfg");
  EXPECT_EQ(*normalize_filename("x", p), "default/x");
  FilenamePolicy q;
  q.remap.push_back({"", std::regex("^evil$"), "../outside"});
  EXPECT_FALSE(normalize_filename("evil", q).ok());
}
