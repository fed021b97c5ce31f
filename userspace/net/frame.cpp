#include "net/frame.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace bootgate::net {
namespace {

std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}
std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

constexpr std::uint8_t kProtoUdp = 17;

ParseResult failed(FrameError e) { return ParseResult{std::nullopt, e}; }

// The RFC 768 pseudo header (source, destination, protocol, UDP length), summed unfolded.
std::uint32_t pseudo_header_sum(std::uint32_t src_ip, std::uint32_t dst_ip, std::size_t udp_len) {
  return (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) + kProtoUdp +
         static_cast<std::uint32_t>(udp_len);
}
}  // namespace

const char* to_string(FrameError e) {
  switch (e) {
    case FrameError::truncated: return "truncated";
    case FrameError::not_ipv4: return "not IPv4";
    case FrameError::not_udp: return "not UDP";
    case FrameError::bad_ip_header: return "bad IPv4 header";
    case FrameError::fragment: return "IP fragment";
    case FrameError::bad_udp_length: return "bad UDP length";
    case FrameError::bad_checksum: return "bad UDP checksum";
  }
  return "?";
}

std::uint32_t checksum_add(std::uint32_t sum, std::span<const std::uint8_t> bytes) {
  // Sum 32-bit words in host order into 64 bits (no carry is lost below 2^32 words), fold, and
  // swap to network order at the end: the one's complement sum commutes with byte order
  // (RFC 1071 section 2B). Eight bytes per step: a 1,468-byte TFTP block is 184 additions.
  std::uint64_t acc = 0;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    acc += (v & 0xffffffffu) + (v >> 32);
  }
  if (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    acc += v;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    acc += v;
    p += 2;
    n -= 2;
  }
  // A lone last byte is the high half of a zero-padded network-order word.
  if (n == 1) acc += std::endian::native == std::endian::little ? std::uint64_t{*p} : std::uint64_t{*p} << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  auto folded = static_cast<std::uint16_t>(acc);
  if constexpr (std::endian::native == std::endian::little)
    folded = static_cast<std::uint16_t>(folded << 8 | folded >> 8);
  sum += folded;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

std::uint16_t checksum_fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t udp_checksum(std::uint32_t src_ip, std::uint32_t dst_ip, std::span<const std::uint8_t> udp) {
  const auto c = checksum_fold(checksum_add(pseudo_header_sum(src_ip, dst_ip, udp.size()), udp));
  return c == 0 ? 0xffff : c;  // RFC 768: a computed zero is sent as all ones
}

ParseResult parse_udp_frame(std::span<const std::uint8_t> b, UdpChecksum check) {
  if (b.size() < kEthernetHeader) return failed(FrameError::truncated);
  UdpFrame f;
  std::copy_n(b.begin(), 6, f.dst_mac.begin());
  std::copy_n(b.begin() + 6, 6, f.src_mac.begin());
  std::size_t at = 12;
  std::uint16_t type = get16(b, at);
  if (type == kEtherTypeVlan) {
    if (b.size() < kEthernetHeader + kVlanTag) return failed(FrameError::truncated);
    const auto tci = get16(b, at + 2);
    f.vlan = static_cast<std::uint16_t>(tci & 0x0fff);
    f.vlan_pcp = static_cast<std::uint8_t>(tci >> 13);
    at += kVlanTag;
    type = get16(b, at);
  }
  if (type != kEtherTypeIpv4) return failed(FrameError::not_ipv4);
  const std::size_t ip = at + 2;
  if (b.size() < ip + kIpv4Header) return failed(FrameError::truncated);
  const std::size_t ihl = std::size_t{b[ip] & 0x0fu} * 4;
  if ((b[ip] >> 4) != 4 || ihl < kIpv4Header) return failed(FrameError::bad_ip_header);
  if (b.size() < ip + ihl) return failed(FrameError::truncated);
  const std::size_t total = get16(b, ip + 2);
  if (total < ihl) return failed(FrameError::bad_ip_header);
  if (b.size() < ip + total) return failed(FrameError::truncated);
  if (checksum_fold(checksum_add(0, b.subspan(ip, ihl))) != 0) return failed(FrameError::bad_ip_header);
  if ((get16(b, ip + 6) & 0x3fff) != 0) return failed(FrameError::fragment);  // MF set or an offset
  if (b[ip + 9] != kProtoUdp) return failed(FrameError::not_udp);
  f.ttl = b[ip + 8];
  f.src_ip = get32(b, ip + 12);
  f.dst_ip = get32(b, ip + 16);

  const auto udp = b.subspan(ip + ihl, total - ihl);
  if (udp.size() < kUdpHeader) return failed(FrameError::truncated);
  const std::size_t udp_len = get16(udp, 4);
  if (udp_len < kUdpHeader || udp_len > udp.size()) return failed(FrameError::bad_udp_length);
  f.src_port = get16(udp, 0);
  f.dst_port = get16(udp, 2);
  const auto field = get16(udp, 6);
  if (check != UdpChecksum::skip && field != 0) {  // zero: the sender did not compute one (allowed over IPv4)
    const std::uint32_t pseudo = pseudo_header_sum(f.src_ip, f.dst_ip, udp_len);
    // An offloading sender stores the folded pseudo-header sum, not yet complemented.
    const bool partial = check == UdpChecksum::allow_partial && field == static_cast<std::uint16_t>(~checksum_fold(pseudo));
    if (!partial && checksum_fold(checksum_add(pseudo, udp.first(udp_len))) != 0) return failed(FrameError::bad_checksum);
  }
  f.payload = udp.subspan(kUdpHeader, udp_len - kUdpHeader);
  return ParseResult{f, FrameError::truncated};
}

std::size_t udp_frame_size(const UdpFrame& f, std::size_t payload_size) {
  return udp_header_offset(f) + kUdpHeader + payload_size;
}

std::size_t udp_header_offset(const UdpFrame& f) { return kEthernetHeader + (f.vlan ? kVlanTag : 0) + kIpv4Header; }

std::size_t build_udp_frame(const UdpFrame& f, std::span<std::uint8_t> out, std::uint16_t ip_id, UdpChecksumOut csum) {
  const std::size_t l2 = kEthernetHeader + (f.vlan ? kVlanTag : 0);
  const std::size_t udp_len = kUdpHeader + f.payload.size();
  const std::size_t ip_len = kIpv4Header + udp_len;
  if (out.size() < l2 + ip_len) throw std::length_error("frame buffer too small");
  std::uint8_t* p = out.data();
  std::copy(f.dst_mac.begin(), f.dst_mac.end(), p);
  std::copy(f.src_mac.begin(), f.src_mac.end(), p + 6);
  std::size_t at = 12;
  if (f.vlan) {
    put16(p + at, kEtherTypeVlan);
    put16(p + at + 2, static_cast<std::uint16_t>(f.vlan_pcp << 13 | (*f.vlan & 0x0fff)));
    at += kVlanTag;
  }
  put16(p + at, kEtherTypeIpv4);

  std::uint8_t* ip = p + l2;
  ip[0] = 0x45;  // version 4, 20-byte header
  ip[1] = 0;
  put16(ip + 2, static_cast<std::uint16_t>(ip_len));
  put16(ip + 4, ip_id);
  put16(ip + 6, 0x4000);  // DF: these replies are never fragmented
  ip[8] = f.ttl;
  ip[9] = kProtoUdp;
  put16(ip + 10, 0);
  put32(ip + 12, f.src_ip);
  put32(ip + 16, f.dst_ip);
  put16(ip + 10, checksum_fold(checksum_add(0, {ip, kIpv4Header})));

  std::uint8_t* udp = ip + kIpv4Header;
  put16(udp, f.src_port);
  put16(udp + 2, f.dst_port);
  put16(udp + 4, static_cast<std::uint16_t>(udp_len));
  put16(udp + 6, 0);
  // memmove: the payload may already sit in place (a datapath that writes it there first).
  if (!f.payload.empty()) std::memmove(udp + kUdpHeader, f.payload.data(), f.payload.size());
  if (csum == UdpChecksumOut::offload)  // the folded pseudo-header sum, not complemented
    put16(udp + kUdpChecksumField, static_cast<std::uint16_t>(~checksum_fold(pseudo_header_sum(f.src_ip, f.dst_ip, udp_len))));
  else
    put16(udp + kUdpChecksumField, udp_checksum(f.src_ip, f.dst_ip, {udp, udp_len}));
  return l2 + ip_len;
}

void build_udp_frame(const UdpFrame& f, std::vector<std::uint8_t>& out, std::uint16_t ip_id, UdpChecksumOut csum) {
  out.assign(udp_frame_size(f, f.payload.size()), 0);
  build_udp_frame(f, std::span<std::uint8_t>(out), ip_id, csum);
}

}  // namespace bootgate::net
