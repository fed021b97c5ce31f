#pragma once
// An IPv4 or IPv6 address and UDP port, as plain data: engines key transfers and leases by it
// without knowing about sockaddr or Asio.
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bootgate {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static std::optional<IpAddress> parse(std::string_view text);
  std::uint32_t v4_host_order() const;
  bool is_unspecified() const;
  std::string to_string() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct Endpoint {
  IpAddress ip;
  std::uint16_t port = 0;

  // "1.2.3.4:69", "[::1]:69"; a bare address takes default_port.
  static std::optional<Endpoint> parse(std::string_view text, std::uint16_t default_port);
  std::string to_string() const;
  auto operator<=>(const Endpoint&) const = default;
};

struct EndpointHash {
  std::size_t operator()(const Endpoint& e) const noexcept;
};
struct IpAddressHash {
  std::size_t operator()(const IpAddress& a) const noexcept;
};

}  // namespace bootgate
