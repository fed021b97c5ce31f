#pragma once
// Which boot file a netbooting client gets. The engine asks a BootPolicy; the YAML rules
// (RuleBootPolicy) are the built-in one, and .so plugins implement the same interface later.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dhcp/hw_address.hpp"
#include "core/dhcp/ipv4.hpp"

namespace bootgate::dhcp {

struct BootTarget {
  std::string file;         // TFTP path, or a URL for UEFI HTTP boot
  Ipv4 next_server = 0;     // siaddr; 0: the server's own address
  std::string server_name;  // sname / option 66; empty: none
  bool empty() const { return file.empty(); }
  bool operator==(const BootTarget&) const = default;
};

// What is known about the client when a boot file is chosen.
struct BootRequest {
  HwAddress hw;
  std::optional<std::uint16_t> arch;  // option 93 (first entry)
  std::string_view vendor_class;      // option 60
  std::vector<std::string> user_classes;  // option 77, as raw text and as RFC 3004 items
  bool ipxe = false;                  // already running iPXE (user class "iPXE" or option 175)
  std::string_view subnet;            // subnet name ("" when none)
  std::optional<std::uint16_t> vlan;
  std::string_view host;              // reservation hostname ("" when none)
  const BootTarget* reservation = nullptr;  // the reservation's own boot file, if any
};

struct BootDecision {
  BootTarget target;
  std::string rule;  // what decided: "rule 'lab-arm'", "ipxe", "reservation", "arch uefi-x64", "default"
  std::string hostname;  // option 12 for clients without a reservation hostname (plugins); empty: none
};

class BootPolicy {
 public:
  virtual ~BootPolicy() = default;
  // nullopt: no boot file for this client (plain DHCP reply).
  virtual std::optional<BootDecision> decide(const BootRequest& request) const = 0;
};

struct BootRule {
  std::string name;
  // Every set field must match; an empty rule matches everyone.
  std::vector<std::uint16_t> arch;      // any of these codes
  std::string vendor_class;             // option 60 starts with this
  std::string user_class;               // one of the client's user classes equals this
  std::optional<bool> ipxe;
  std::vector<std::uint8_t> mac_prefix;
  std::string subnet;                   // subnet name
  std::optional<std::uint16_t> vlan;
  std::string host;                     // reservation hostname
  BootTarget target;
};

struct BootConfig {
  std::vector<BootRule> rules;               // first match wins
  BootTarget ipxe;                           // for clients already in iPXE: the script, not iPXE again
  std::map<std::uint16_t, BootTarget> arch;  // option 93 code → boot file
  BootTarget fallback;                       // anything else (empty: no boot file)
  Ipv4 next_server = 0;                      // default siaddr for every target without one
};

// Order: rules, then the iPXE script for iPXE clients, then the reservation's file, then the arch
// table, then the fallback. The iPXE check comes before anything that might hand out iPXE itself.
class RuleBootPolicy final : public BootPolicy {
 public:
  explicit RuleBootPolicy(BootConfig config) : config_(std::move(config)) {}
  std::optional<BootDecision> decide(const BootRequest& request) const override;
  const BootConfig& config() const { return config_; }

 private:
  BootDecision finish(BootTarget t, std::string rule) const;
  BootConfig config_;
};

// Asks each policy in order; the first decision wins (plugins first, then the YAML rules).
class ChainBootPolicy final : public BootPolicy {
 public:
  explicit ChainBootPolicy(std::vector<std::shared_ptr<const BootPolicy>> chain) : chain_(std::move(chain)) {}
  std::optional<BootDecision> decide(const BootRequest& request) const override {
    for (const auto& p : chain_)
      if (auto d = p->decide(request)) return d;
    return std::nullopt;
  }

 private:
  std::vector<std::shared_ptr<const BootPolicy>> chain_;
};

bool rule_matches(const BootRule& rule, const BootRequest& request);
// Option 77 as a list: the raw bytes as one string (iPXE sends "iPXE" unframed), plus the RFC 3004
// length-prefixed items when the bytes parse that way.
std::vector<std::string> parse_user_classes(std::string_view option77);

}  // namespace bootgate::dhcp
