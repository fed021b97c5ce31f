#pragma once
// Ethernet [+ one 802.1Q tag] / IPv4 / UDP frames: parse what a packet socket (or AF_XDP) receives,
// build what it sends, with the IPv4 header and UDP checksums. No sockets here, so the DHCP packet
// socket datapath and the AF_XDP datapath share it, and tests feed it bytes.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace bootgate::net {

using MacAddress = std::array<std::uint8_t, 6>;
inline constexpr MacAddress kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::size_t kEthernetHeader = 14;
inline constexpr std::size_t kVlanTag = 4;
inline constexpr std::size_t kIpv4Header = 20;  // we never write IP options
inline constexpr std::size_t kUdpHeader = 8;

struct UdpFrame {
  MacAddress dst_mac{};
  MacAddress src_mac{};
  std::optional<std::uint16_t> vlan;  // VLAN id (12 bits) of an in-frame 802.1Q tag
  std::uint8_t vlan_pcp = 0;          // priority bits of that tag
  std::uint32_t src_ip = 0;           // host byte order
  std::uint32_t dst_ip = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t ttl = 64;
  std::span<const std::uint8_t> payload;  // parse: points into the frame given
};

enum class FrameError {
  truncated,     // shorter than the headers it announces
  not_ipv4,      // another EtherType (ARP, IPv6, double tag, ...)
  not_udp,
  bad_ip_header,  // version/IHL/total length inconsistent, or the header checksum is wrong
  fragment,      // IP fragments are not reassembled (a DHCP message fits in one)
  bad_udp_length,
  bad_checksum,  // the UDP checksum is present and wrong
};
const char* to_string(FrameError e);

struct ParseResult {
  std::optional<UdpFrame> frame;
  FrameError error = FrameError::truncated;  // when !frame
};

// How the parser treats the UDP checksum. A local sender with checksum offload (over veth, say)
// leaves only the pseudo-header sum in the field: `skip` when the kernel says so (packet sockets),
// `allow_partial` where nothing says so (AF_XDP): such a frame passes, anything else must add up.
enum class UdpChecksum { verify, skip, allow_partial };

// Parses a whole Ethernet frame. Trailing padding after the IP packet is ignored.
ParseResult parse_udp_frame(std::span<const std::uint8_t> bytes, UdpChecksum check = UdpChecksum::verify);

// Who finishes the UDP checksum of a frame we build: we do, or the kernel or NIC on request
// (`offload`: the field then holds the pseudo-header sum, as any offloading sender leaves it).
enum class UdpChecksumOut { compute, offload };
inline constexpr std::size_t kUdpChecksumField = 6;  // its offset in the UDP header

// Bytes build_udp_frame() writes for `f` with a payload of `payload_size`.
std::size_t udp_frame_size(const UdpFrame& f, std::size_t payload_size);
// Where the UDP header starts in that frame.
std::size_t udp_header_offset(const UdpFrame& f);
// Writes the frame for `f` (f.payload is the UDP payload) into `out`, which must hold
// udp_frame_size() bytes; returns that size. The IP identification field is `ip_id`; DF is set.
std::size_t build_udp_frame(const UdpFrame& f, std::span<std::uint8_t> out, std::uint16_t ip_id = 0,
                            UdpChecksumOut csum = UdpChecksumOut::compute);
// The same into a vector, replacing its contents.
void build_udp_frame(const UdpFrame& f, std::vector<std::uint8_t>& out, std::uint16_t ip_id = 0,
                     UdpChecksumOut csum = UdpChecksumOut::compute);

// RFC 1071 one's complement sum helpers. `bytes` starts on a 16-bit word boundary.
std::uint32_t checksum_add(std::uint32_t sum, std::span<const std::uint8_t> bytes);
std::uint16_t checksum_fold(std::uint32_t sum);
// The UDP checksum over the pseudo header and `udp` (header + payload, checksum field included as is).
std::uint16_t udp_checksum(std::uint32_t src_ip, std::uint32_t dst_ip, std::span<const std::uint8_t> udp);

}  // namespace bootgate::net
