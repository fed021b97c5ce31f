#include "core/dhcp/lease.hpp"

namespace bootgate::dhcp {

ClientId ClientId::from_hw(const HwAddress& hw) {
  ClientId c;
  c.bytes.push_back(static_cast<char>(hw.type));
  c.bytes.append(reinterpret_cast<const char*>(hw.bytes.data()), hw.length);
  return c;
}

std::string ClientId::to_string() const {
  return to_hex(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::string_view to_string(LeaseState s) {
  switch (s) {
    case LeaseState::offered: return "offered";
    case LeaseState::bound: return "bound";
    case LeaseState::released: return "released";
    case LeaseState::declined: return "declined";
  }
  return "?";
}

}  // namespace bootgate::dhcp
