#pragma once
// A client hardware address as carried in chaddr (htype, hlen, up to 16 bytes).
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bootgate::dhcp {

struct HwAddress {
  std::uint8_t type = 1;  // ARP hardware type; 1 = Ethernet
  std::uint8_t length = 0;
  std::array<std::uint8_t, 16> bytes{};

  static HwAddress ethernet(std::array<std::uint8_t, 6> mac);
  // "aa:bb:cc:dd:ee:ff" (also '-' separated); Ethernet only.
  static std::optional<HwAddress> parse_mac(std::string_view text);
  std::span<const std::uint8_t> view() const { return {bytes.data(), length}; }
  bool starts_with(std::span<const std::uint8_t> prefix) const;
  std::string to_string() const;  // "aa:bb:cc:dd:ee:ff"
  auto operator<=>(const HwAddress&) const = default;
};

// Parses "aa:bb:cc" / "aa-bb-cc" / "aabbcc" hex bytes (1..max bytes).
std::optional<std::string> parse_hex_bytes(std::string_view text, std::size_t max);
std::string to_hex(std::span<const std::uint8_t> bytes, char separator = ':');

}  // namespace bootgate::dhcp
