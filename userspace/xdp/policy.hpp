#pragma once
// Turns the `xdp:` config into map entries, and swaps them into the running program atomically.
//
// Reload without a wrong window: every policy key carries a generation bit. apply_policy() writes the
// complete new policy (config incl. local addresses, VLANs, prefixes, MACs) under the idle generation,
// then flips bg_control.generation with a single array update, then deletes the old generation. The
// program reads the generation once per packet, so each packet is judged by exactly one complete
// policy. (Add-new-then-remove-old on a single keyspace would briefly admit the union of both
// policies; map-in-map would need a new inner map per VLAN. The generation bit needs neither, at the
// price of tables sized for two policies, which the config parser checks.)
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bootgate_shared.h"
#include "config/xdp_config.hpp"

namespace bootgate::xdp {

struct PolicyTables {
  bg_config config{};
  std::vector<std::pair<bg_vlan_key, bg_vlan_policy>> vlans;
  std::vector<bg_prefix_key> prefixes;
  std::vector<bg_mac_key> macs;
};

// Interface name → ifindex; 0 if it does not exist.
using IfindexResolver = std::function<unsigned(const std::string&)>;
unsigned system_ifindex(const std::string& name);

// Pure: no syscalls beyond `resolve`. Throws XdpError(policy) for an unknown interface.
PolicyTables compile_policy(const config::XdpSection& section, std::uint8_t generation,
                            const IfindexResolver& resolve = system_ifindex);

struct PolicyMaps {
  int control = -1;
  int config = -1;
  int vlans = -1;
  int prefixes = -1;
  int macs = -1;
};

// Installs `section` as the live policy (see above). Returns the generation now live. On failure
// (e.g. a table is full) the half-written generation is removed, the old policy stays live, and
// XdpError is thrown.
std::uint8_t apply_policy(const PolicyMaps& maps, const config::XdpSection& section,
                          const IfindexResolver& resolve = system_ifindex);

}  // namespace bootgate::xdp
