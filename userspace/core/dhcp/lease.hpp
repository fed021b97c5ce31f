#pragma once
// One row of the lease table: who holds which address, in what state, until when.
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/dhcp/hw_address.hpp"
#include "core/dhcp/ipv4.hpp"

namespace bootgate::dhcp {

// How a client is known: option 61 if it sent one, else htype + chaddr (the same bytes an
// Ethernet client puts in option 61, so both forms name one machine). Raw bytes.
struct ClientId {
  std::string bytes;

  static ClientId from_option(std::string_view option61) { return ClientId{std::string(option61)}; }
  static ClientId from_hw(const HwAddress& hw);
  std::string to_string() const;  // "01:aa:bb:..."
  auto operator<=>(const ClientId&) const = default;
};

struct ClientIdHash {
  std::size_t operator()(const ClientId& c) const noexcept { return std::hash<std::string>{}(c.bytes); }
};

enum class LeaseState : std::uint8_t {
  offered = 1,   // held for the client between OFFER and REQUEST; never written to disk
  bound = 2,     // ACKed
  released = 3,  // the client gave it back; kept so it can get the same address again
  declined = 4,  // a client found it in use (DECLINE): quarantined until `expires`
};
std::string_view to_string(LeaseState s);

// An "infinite" lease (dynamic BOOTP): far enough that no arithmetic overflows.
inline constexpr TimePoint kNever = TimePoint::max();

struct Lease {
  Ipv4 address = 0;
  ClientId client;
  HwAddress hw;
  std::string hostname;
  LeaseState state = LeaseState::offered;
  TimePoint expires{};

  bool active(TimePoint now) const {
    return (state == LeaseState::offered || state == LeaseState::bound || state == LeaseState::declined) &&
           now < expires;
  }
  bool operator==(const Lease&) const = default;
};

// May `client` take `address` whose current record is `existing`? Yes if it is its own, or the
// record no longer holds the address (released, expired, quarantine over).
inline bool free_for(const Lease& existing, const ClientId& client, TimePoint now) {
  if (existing.state == LeaseState::declined) return !existing.active(now);
  return existing.client == client || !existing.active(now);
}

}  // namespace bootgate::dhcp
