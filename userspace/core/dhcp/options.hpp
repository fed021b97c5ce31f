#pragma once
// DHCP option codes (RFC 2132 and later) and message types, as named constants.
#include <cstdint>
#include <string_view>

namespace bootgate::dhcp {

namespace option {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t time_offset = 2;
inline constexpr std::uint8_t router = 3;
inline constexpr std::uint8_t dns_servers = 6;
inline constexpr std::uint8_t hostname = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t interface_mtu = 26;
inline constexpr std::uint8_t broadcast_address = 28;
inline constexpr std::uint8_t ntp_servers = 42;
inline constexpr std::uint8_t vendor_specific = 43;     // PXE vendor options live here
inline constexpr std::uint8_t requested_address = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;            // 1: file, 2: sname, 3: both carry options
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_id = 54;
inline constexpr std::uint8_t parameter_request_list = 55;
inline constexpr std::uint8_t message = 56;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;        // T1
inline constexpr std::uint8_t rebinding_time = 59;      // T2
inline constexpr std::uint8_t vendor_class = 60;
inline constexpr std::uint8_t client_id = 61;
inline constexpr std::uint8_t tftp_server_name = 66;
inline constexpr std::uint8_t bootfile_name = 67;
inline constexpr std::uint8_t user_class = 77;
inline constexpr std::uint8_t relay_agent_info = 82;
inline constexpr std::uint8_t client_arch = 93;         // RFC 4578
inline constexpr std::uint8_t client_ndi = 94;
inline constexpr std::uint8_t client_uuid = 97;
inline constexpr std::uint8_t domain_search = 119;
inline constexpr std::uint8_t subnet_selection = 118;  // RFC 3011
inline constexpr std::uint8_t classless_routes = 121;
inline constexpr std::uint8_t ipxe_encap = 175;        // iPXE's own options: its presence means iPXE
inline constexpr std::uint8_t end = 255;
}  // namespace option

// Sub-options of option 82 (RFC 3046, RFC 3527).
namespace relay_suboption {
inline constexpr std::uint8_t circuit_id = 1;
inline constexpr std::uint8_t remote_id = 2;
inline constexpr std::uint8_t link_selection = 5;
}  // namespace relay_suboption

enum class MessageType : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};

constexpr std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::discover: return "DHCPDISCOVER";
    case MessageType::offer: return "DHCPOFFER";
    case MessageType::request: return "DHCPREQUEST";
    case MessageType::decline: return "DHCPDECLINE";
    case MessageType::ack: return "DHCPACK";
    case MessageType::nak: return "DHCPNAK";
    case MessageType::release: return "DHCPRELEASE";
    case MessageType::inform: return "DHCPINFORM";
  }
  return "DHCP?";
}

inline constexpr std::uint16_t kServerPort = 67;
inline constexpr std::uint16_t kClientPort = 68;
inline constexpr std::uint16_t kPxePort = 4011;  // PXE boot server / proxyDHCP requests

}  // namespace bootgate::dhcp
