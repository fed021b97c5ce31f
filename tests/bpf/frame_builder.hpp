#pragma once
// A small fluent builder for test frames: Ethernet, up to N VLAN tags, IPv4 (with options), UDP or
// another L4, payload. Every field can be broken on purpose (.ihl(4), .udp_len(7), .truncate(30)).
#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bootgate::xdp::test {

using Mac = std::array<std::uint8_t, 6>;

class Frame {
 public:
  Frame& dst_mac(Mac m) { dst_mac_ = m; return *this; }
  Frame& src_mac(Mac m) { src_mac_ = m; return *this; }
  // Tags are pushed outermost first: .vlan(100, 0x88a8).vlan(20) is S-tag 100, C-tag 20.
  Frame& vlan(std::uint16_t vid, std::uint16_t tpid = 0x8100) { tags_.emplace_back(tpid, vid); return *this; }
  Frame& ethertype(std::uint16_t t) { ethertype_ = t; return *this; }
  // Replaces everything after the tags with raw bytes (ARP, IPv6, garbage).
  Frame& raw_l3(std::vector<std::uint8_t> b) { raw_l3_ = std::move(b); return *this; }

  Frame& ipv4(const char* src, const char* dst) { src_ = addr(src); dst_ = addr(dst); return *this; }
  Frame& ihl(std::uint8_t words) { ihl_ = words; return *this; }  // > 5 adds NOP options
  Frame& ip_version(std::uint8_t v) { version_ = v; return *this; }
  Frame& ip_total_len(std::uint16_t len) { tot_len_ = len; return *this; }
  Frame& fragment(bool more, std::uint16_t offset_8byte_units) {
    frag_ = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset_8byte_units & 0x1fff));
    return *this;
  }
  Frame& protocol(std::uint8_t p) { proto_ = p; return *this; }

  Frame& udp(std::uint16_t sport, std::uint16_t dport) { proto_ = IPPROTO_UDP; sport_ = sport; dport_ = dport; return *this; }
  Frame& tcp(std::uint16_t sport, std::uint16_t dport) {
    proto_ = IPPROTO_TCP;
    l4_ = {static_cast<std::uint8_t>(sport >> 8), static_cast<std::uint8_t>(sport), static_cast<std::uint8_t>(dport >> 8),
           static_cast<std::uint8_t>(dport)};
    l4_.resize(20, 0);
    l4_[12] = 5 << 4;
    l4_[13] = 0x02;  // SYN
    return *this;
  }
  Frame& icmp_echo() { proto_ = IPPROTO_ICMP; l4_ = {8, 0, 0, 0, 0, 1, 0, 1}; return *this; }
  Frame& udp_len(std::uint16_t len) { udp_len_ = len; return *this; }

  Frame& payload(std::vector<std::uint8_t> p) { payload_ = std::move(p); return *this; }
  Frame& tftp(std::uint16_t opcode, std::size_t body = 10) {
    payload_.assign(2 + body, 'x');
    payload_[0] = static_cast<std::uint8_t>(opcode >> 8);
    payload_[1] = static_cast<std::uint8_t>(opcode);
    return *this;
  }
  Frame& tftp_rrq(const std::string& file = "pxelinux.0", std::size_t pad_to = 0) {
    payload_ = {0, 1};
    payload_.insert(payload_.end(), file.begin(), file.end());
    payload_.push_back(0);
    for (char c : std::string("octet")) payload_.push_back(static_cast<std::uint8_t>(c));
    payload_.push_back(0);
    if (payload_.size() < pad_to) payload_.resize(pad_to, 0);
    return *this;
  }
  Frame& tftp_ack(std::uint16_t block) {
    payload_ = {0, 4, static_cast<std::uint8_t>(block >> 8), static_cast<std::uint8_t>(block)};
    return *this;
  }
  // A BOOTP message of `size` bytes (236 fixed + cookie + options).
  Frame& dhcp(std::uint8_t op = 1, std::size_t size = 300) {
    payload_.assign(size, 0);
    if (size > 0) payload_[0] = op;
    if (size > 1) payload_[1] = 1;  // htype ethernet
    if (size > 2) payload_[2] = 6;  // hlen
    if (size >= 240) {
      const std::uint8_t cookie[] = {99, 130, 83, 99};
      std::copy(std::begin(cookie), std::end(cookie), payload_.begin() + 236);
    }
    return *this;
  }
  Frame& pad_to(std::size_t n) { pad_to_ = n; return *this; }      // Ethernet padding after the IP packet
  Frame& truncate(std::size_t n) { truncate_ = n; return *this; }  // cut the finished frame

  // Per-VLAN counter slot this frame lands in (inner VID, 4096 if untagged).
  std::uint32_t vlan_slot() const { return tags_.empty() ? 4096u : tags_.back().second; }

  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> f;
    f.insert(f.end(), dst_mac_.begin(), dst_mac_.end());
    f.insert(f.end(), src_mac_.begin(), src_mac_.end());
    for (const auto& [tpid, vid] : tags_) {
      put16(f, tpid);
      put16(f, vid);
    }
    if (raw_l3_) {
      put16(f, ethertype_);
      f.insert(f.end(), raw_l3_->begin(), raw_l3_->end());
      return finish(std::move(f));
    }
    put16(f, ethertype_);

    std::vector<std::uint8_t> l4 = l4_;
    if (proto_ == IPPROTO_UDP && l4.empty()) {
      const auto len = static_cast<std::uint16_t>(8 + payload_.size());
      put16(l4, sport_);
      put16(l4, dport_);
      put16(l4, udp_len_.value_or(len));
      put16(l4, 0);  // no checksum (legal for IPv4)
    }
    l4.insert(l4.end(), payload_.begin(), payload_.end());

    const std::size_t hlen = std::size_t{ihl_} * 4;
    std::vector<std::uint8_t> ip(std::max<std::size_t>(hlen, 20), 1);  // options: NOP
    ip[0] = static_cast<std::uint8_t>(version_ << 4 | (ihl_ & 0xf));
    ip[1] = 0;
    const auto total = static_cast<std::uint16_t>(hlen + l4.size());
    set16(ip, 2, tot_len_.value_or(total));
    set16(ip, 4, 0x1234);
    set16(ip, 6, frag_);
    ip[8] = 64;
    ip[9] = proto_;
    set16(ip, 10, 0);
    set32(ip, 12, src_);
    set32(ip, 16, dst_);
    if (ip.size() > hlen) ip.resize(std::max<std::size_t>(hlen, 1));
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < ip.size() && i < 60; i += 2) sum += static_cast<std::uint32_t>(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    if (ip.size() >= 12) set16(ip, 10, static_cast<std::uint16_t>(~sum));
    f.insert(f.end(), ip.begin(), ip.end());
    f.insert(f.end(), l4.begin(), l4.end());
    return finish(std::move(f));
  }

  static std::vector<std::uint8_t> arp_request() {
    return {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 5, 10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1};
  }

 private:
  static std::uint32_t addr(const char* s) {
    in_addr a{};
    inet_pton(AF_INET, s, &a);
    return ntohl(a.s_addr);
  }
  static void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
  }
  static void set16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
    if (at + 1 >= v.size()) return;
    v[at] = static_cast<std::uint8_t>(x >> 8);
    v[at + 1] = static_cast<std::uint8_t>(x);
  }
  static void set32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    set16(v, at, static_cast<std::uint16_t>(x >> 16));
    set16(v, at + 2, static_cast<std::uint16_t>(x));
  }
  std::vector<std::uint8_t> finish(std::vector<std::uint8_t> f) const {
    if (f.size() < pad_to_) f.resize(pad_to_, 0);
    if (truncate_ && f.size() > *truncate_) f.resize(*truncate_);
    return f;
  }

  Mac dst_mac_{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  Mac src_mac_{0x02, 0x00, 0x00, 0x00, 0x00, 0x05};
  std::vector<std::pair<std::uint16_t, std::uint16_t>> tags_;
  std::uint16_t ethertype_ = 0x0800;
  std::optional<std::vector<std::uint8_t>> raw_l3_;
  std::uint32_t src_ = 0, dst_ = 0;
  std::uint8_t ihl_ = 5, version_ = 4, proto_ = IPPROTO_UDP;
  std::optional<std::uint16_t> tot_len_, udp_len_;
  std::uint16_t frag_ = 0, sport_ = 0, dport_ = 0;
  std::vector<std::uint8_t> l4_, payload_;
  std::size_t pad_to_ = 0;
  std::optional<std::size_t> truncate_;
};

}  // namespace bootgate::xdp::test
