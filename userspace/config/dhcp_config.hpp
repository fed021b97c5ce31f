#pragma once
// The `dhcp:` section of bootgate.yaml as plain data, validated on load: every mistake names its key
// path and line. to_server_config()/to_boot_config() turn it into the engine's own types
// (config depends on core, never the reverse).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/dhcp/boot_policy.hpp"
#include "core/dhcp/hw_address.hpp"
#include "core/dhcp/ipv4.hpp"
#include "core/dhcp/pool.hpp"
#include "core/dhcp/server_config.hpp"

namespace bootgate::config {

struct DhcpCustomOption {
  std::uint8_t code = 0;
  std::vector<std::uint8_t> data;  // wire bytes
  bool always = false;
};

// Options that may be set globally, per subnet and per reservation.
struct DhcpOptions {
  std::vector<dhcp::Ipv4> router;
  std::vector<dhcp::Ipv4> dns;
  std::vector<dhcp::Ipv4> ntp;
  std::string domain;
  std::vector<std::string> domain_search;
  std::optional<std::uint16_t> mtu;
  std::vector<DhcpCustomOption> custom;
};

struct DhcpReservation {
  std::optional<dhcp::HwAddress> mac;
  std::optional<std::string> client_id;  // raw bytes
  dhcp::Ipv4 address = 0;                // 0: none
  std::string hostname;
  std::string boot_file;
  dhcp::Ipv4 next_server = 0;
  DhcpOptions options;
};

struct DhcpSubnet {
  std::string name;
  dhcp::Ipv4 network = 0;
  unsigned prefix = 24;
  std::optional<std::uint16_t> vlan;
  std::string interface;
  dhcp::Ipv4 server_id = 0;
  std::vector<dhcp::AddressRange> pools;
  std::vector<DhcpReservation> reservations;
  DhcpOptions options;
  std::optional<std::uint64_t> lease_time_ms;
  std::optional<std::uint64_t> max_lease_time_ms;
};

struct DhcpBootRule {
  std::string name;
  std::vector<std::uint16_t> arch;
  std::string vendor_class;
  std::string user_class;
  std::optional<bool> ipxe;
  std::vector<std::uint8_t> mac_prefix;
  std::string subnet;
  std::optional<std::uint16_t> vlan;
  std::string host;
  std::string boot_file;
  dhcp::Ipv4 next_server = 0;
  std::string server_name;
};

struct DhcpBoot {
  dhcp::Ipv4 next_server = 0;  // 0: the server's own address
  std::string server_name;
  std::map<std::uint16_t, std::string> files;  // option 93 code → boot file (from arch names)
  std::string ipxe_script;                     // what clients already running iPXE get
  std::string default_file;                    // anyone else
  std::vector<DhcpBootRule> rules;
};

// A boot-policy plugin (.so with the C ABI in plugins/bootgate_plugin.h), asked before the YAML rules.
struct DhcpPlugin {
  std::string path;    // relative paths are against the config file's folder
  std::string config;  // handed to the plugin's init (e.g. its inventory file)
};

// A program run on lease events, like dnsmasq's dhcp-script (details in BOOTGATE_* variables).
struct DhcpHooks {
  std::string program;  // empty: no hooks
  std::vector<std::string> events = {"granted", "renewed", "released", "declined", "expired"};
  std::uint64_t max_running = 4;  // more wait in a queue of max_queued; past that they are dropped
  std::uint64_t max_queued = 1000;
  std::uint64_t timeout_ms = 30'000;  // killed after this
};

struct DhcpSection {
  bool enabled = false;
  bool proxy = false;  // mode: proxy
  bool proxy_minimal_offer = false;  // proxy_offer: minimal
  bool authoritative = true;
  bool dynamic_bootp = false;
  dhcp::Ipv4 server_id = 0;
  std::string lease_database = "/var/lib/bootgate/leases.db";
  std::uint64_t lease_time_ms = 3'600'000;
  std::uint64_t max_lease_time_ms = 86'400'000;
  std::uint64_t min_lease_time_ms = 120'000;
  std::uint64_t offer_hold_ms = 60'000;
  std::uint64_t decline_hold_ms = 600'000;
  std::optional<std::uint64_t> bootp_lease_time_ms;  // nullopt: infinite
  std::uint64_t max_message_size = 1472;
  std::uint64_t commit_delay_ms = 20;  // group commits at least this far apart (ACKs wait at most this long)
  std::vector<std::uint16_t> ports = {67};  // proxy mode also listens on 4011
  std::vector<std::string> interfaces;      // empty: those named by subnets
  std::vector<DhcpPlugin> plugins;
  DhcpHooks hooks;
  DhcpOptions options;
  std::vector<DhcpSubnet> subnets;
  DhcpBoot boot;
};

DhcpSection parse_dhcp(const NodeReader& node);

dhcp::ServerConfig to_server_config(const DhcpSection& s);
dhcp::BootConfig to_boot_config(const DhcpSection& s);
std::vector<dhcp::OptionValue> to_option_values(const DhcpOptions& o);

}  // namespace bootgate::config
