#include "core/common/endpoint.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace bootgate {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  std::memcpy(a.bytes.data(), b.data(), 4);
  return a;
}

std::uint32_t IpAddress::v4_host_order() const {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         bytes[3];
}

bool IpAddress::is_unspecified() const {
  const std::size_t n = v6 ? 16 : 4;
  for (std::size_t i = 0; i < n; ++i)
    if (bytes[i] != 0) return false;
  return true;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::uint16_t default_port) {
  std::string_view host = text;
  std::optional<std::string_view> port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (const auto colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {  // one colon: v4:port
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return std::nullopt;
  Endpoint e{*ip, default_port};
  if (port_text) {
    if (port_text->empty() || port_text->size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : *port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 65535) return std::nullopt;
    e.port = static_cast<std::uint16_t>(v);
  }
  return e;
}

std::string Endpoint::to_string() const {
  return ip.v6 ? "[" + ip.to_string() + "]:" + std::to_string(port) : ip.to_string() + ":" + std::to_string(port);
}

std::size_t IpAddressHash::operator()(const IpAddress& a) const noexcept {
  std::uint64_t h = a.v6 ? 0x9e3779b97f4a7c15ull : 0;
  for (auto b : a.bytes) h = (h ^ b) * 0x100000001b3ull;
  return static_cast<std::size_t>(h);
}

std::size_t EndpointHash::operator()(const Endpoint& e) const noexcept {
  return IpAddressHash{}(e.ip) ^ (std::size_t{e.port} * 0x9e3779b97f4a7c15ull);
}

}  // namespace bootgate
