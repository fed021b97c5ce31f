#include "core/dhcp/hw_address.hpp"

#include <algorithm>

namespace bootgate::dhcp {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

HwAddress HwAddress::ethernet(std::array<std::uint8_t, 6> mac) {
  HwAddress h;
  h.type = 1;
  h.length = 6;
  std::copy(mac.begin(), mac.end(), h.bytes.begin());
  return h;
}

std::optional<HwAddress> HwAddress::parse_mac(std::string_view text) {
  auto raw = parse_hex_bytes(text, 6);
  if (!raw || raw->size() != 6) return std::nullopt;
  HwAddress h;
  h.length = 6;
  std::copy(raw->begin(), raw->end(), h.bytes.begin());
  return h;
}

bool HwAddress::starts_with(std::span<const std::uint8_t> prefix) const {
  return prefix.size() <= length && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

std::string HwAddress::to_string() const { return to_hex(view()); }

std::optional<std::string> parse_hex_bytes(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (out.size() == max) return std::nullopt;
    // Either two digits, or one digit followed by a separator / the end ("0:1b:..." style).
    const int hi = hex_value(text[i]);
    if (hi < 0) return std::nullopt;
    int value = hi;
    ++i;
    if (i < text.size() && hex_value(text[i]) >= 0) {
      value = hi * 16 + hex_value(text[i]);
      ++i;
    }
    out.push_back(static_cast<char>(value));
    if (i < text.size()) {
      if (text[i] == ':' || text[i] == '-') {
        ++i;
        if (i == text.size()) return std::nullopt;  // trailing separator
      }
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes, char separator) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i && separator) s.push_back(separator);
    s.push_back(digits[bytes[i] >> 4]);
    s.push_back(digits[bytes[i] & 15]);
  }
  return s;
}

}  // namespace bootgate::dhcp
