#pragma once
// The DHCP/BOOTP/ProxyDHCP engine, sans-IO: feed it a received datagram and `now`; it returns the
// reply and where it must go. It owns no socket and no clock; its only state is in the LeaseStore,
// so a reload builds a new Server over the same store.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/endpoint.hpp"
#include "core/dhcp/boot_policy.hpp"
#include "core/dhcp/lease_store.hpp"
#include "core/dhcp/packet.hpp"
#include "core/dhcp/server_config.hpp"

namespace bootgate::dhcp {

struct Received {
  std::span<const std::uint8_t> payload;
  Endpoint source;                     // 0.0.0.0:68 from a fresh client, giaddr:67 from a relay, ...
  IpAddress local;                     // our address on the receiving interface (0.0.0.0 if unknown)
  std::uint16_t local_port = kServerPort;  // 67, or 4011 for PXE boot-server requests
  std::uint32_t ifindex = 0;
  std::string_view interface;          // receiving interface name (for subnets tied to one)
  std::optional<std::uint16_t> vlan;   // 802.1Q id when the frame was tagged
  bool to_broadcast = false;           // sent to a broadcast address (tells rebinding from renewing)
  TimePoint now{};
};

// Where a reply goes (RFC 2131 §4.1). The datapath acts on it: `relay` and `unicast` are ordinary
// UDP sends; `broadcast` goes to 255.255.255.255 on the receiving interface/VLAN; `to_hw` is a
// unicast to an address the client does not answer ARP for yet, so the frame goes to `hw` directly
// (AF_XDP writes it; a socket datapath sets an ARP entry or falls back to broadcast).
struct Destination {
  enum class Kind : std::uint8_t { relay, unicast, broadcast, to_hw };
  Kind kind = Kind::broadcast;
  Endpoint to;      // IP and port (255.255.255.255:68 for broadcast)
  HwAddress hw;     // client's chaddr (for to_hw, and for frame building on AF_XDP)
  IpAddress from;   // our address to send from (the server identifier)
  std::uint32_t ifindex = 0;
  std::optional<std::uint16_t> vlan;
};
std::string_view to_string(Destination::Kind k);

struct Reply {
  std::vector<std::uint8_t> payload;
  Destination destination;
  std::optional<MessageType> type;  // nullopt: a BOOTP reply
  std::string boot_file;            // what the reply names (for logs and hooks); empty: none
  std::string boot_rule;            // which rule chose it
};

// What happened, for logs, metrics and event hooks.
enum class Action : std::uint8_t {
  offered, acked, naked, informed, released, declined, bootp_reply, proxy_offer, proxy_ack,
  ignored,    // well-formed but not for us (other server chosen, no subnet, proxy and not PXE, ...)
  malformed,  // did not parse
};
std::string_view to_string(Action a);

struct Outcome {
  Action action = Action::ignored;
  std::string reason;           // one line for the log: why it was ignored/NAKed, what was chosen
  std::optional<Reply> reply;
  std::optional<Lease> lease;   // the lease granted / renewed / released / declined
  bool store_changed = false;   // a flush() is due before sending `reply`
  std::string subnet;           // the subnet the client was placed in ("" when none)
};

// `bootgate explain`: what would this client get?
struct ExplainQuery {
  HwAddress hw;
  std::optional<ClientId> client_id;
  std::optional<std::uint16_t> arch;
  std::optional<std::uint16_t> vlan;
  std::string vendor_class;  // option 60; empty: "PXEClient" when arch is set
  std::string user_class;
  Ipv4 relay = 0;            // giaddr
  std::string interface;
  Ipv4 local = 0;
};

struct Explanation {
  std::string subnet;         // name, empty when none
  std::string subnet_reason;  // "vlan 100", "relay 10.1.0.1", ...
  std::optional<Ipv4> address;
  std::string address_reason;  // "reservation", "existing lease", "free in pool ...", "pool exhausted"
  std::string hostname;
  std::optional<BootDecision> boot;
  bool proxy = false;
};

class Server {
 public:
  // `store` and `boot` must outlive the server.
  Server(ServerConfig config, LeaseStore& store, const BootPolicy& boot);

  Outcome handle(const Received& in);
  // Lapsed offers and quarantines go back to the pool. Call it now and then (e.g. every few seconds).
  std::size_t expire(TimePoint now) { return store_.expire(now); }
  Explanation explain(const ExplainQuery& query, TimePoint now) const;

  const ServerConfig& config() const { return config_; }

 private:
  struct Client;
  struct SubnetChoice {
    const Subnet* subnet = nullptr;
    std::string reason;
  };
  struct AddressChoice {
    std::optional<Ipv4> address;
    std::string reason;
    bool dynamic = false;  // from the pools via allocate()
  };

  Client make_client(const Packet& req, const Received& in) const;
  Outcome dispatch(Client& c, const Packet& req);
  SubnetChoice select_subnet(const Packet& req, const Received& in) const;
  const Reservation* find_reservation(const Subnet& s, const ClientId& id, const HwAddress& hw) const;
  AddressChoice choose_address(const Client& c, TimePoint now) const;
  Ipv4 server_id_for(const Client& c) const;
  bool address_valid_for(const Client& c, Ipv4 a) const;
  Duration lease_time_for(const Client& c) const;
  std::optional<BootDecision> boot_for(const Client& c) const;
  std::span<const Ipv4> excluded_for(const Subnet& s) const;

  Outcome on_discover(const Client& c);
  Outcome on_request(Client& c);
  Outcome on_decline(const Client& c);
  Outcome on_release(const Client& c);
  Outcome on_inform(Client& c);
  Outcome on_bootp(const Client& c);
  Outcome on_proxy(const Client& c);
  Outcome on_boot_server(const Client& c);
  const Subnet* subnet_containing(Ipv4 a) const;
  Outcome bind(const Client& c, Ipv4 address, std::string why);
  // One address per client per subnet: give back what else it holds there (offers only, or all).
  void drop_others(const Client& c, Ipv4 keep, bool offers_only);
  Outcome nak(const Client& c, std::string reason);

  // lease: nullopt for no lease options; kInfinite for an infinite one.
  // What a reply says about booting: nothing, only the PXE identity (vendor class, UUID), or
  // the identity with next-server and boot file.
  enum class Boot { none, identity, full };
  Reply build_reply(const Client& c, std::optional<MessageType> type, Ipv4 yiaddr, std::optional<Duration> lease,
                    Boot boot, bool with_site_options = true) const;
  Destination destination_for(const Client& c, const Packet& reply) const;

  static constexpr Duration kInfinite = Duration::max();

  ServerConfig config_;
  LeaseStore& store_;
  const BootPolicy& boot_;
  std::vector<std::vector<Ipv4>> excluded_;  // per subnet, sorted: reserved and our own addresses
};

}  // namespace bootgate::dhcp
