#pragma once
// VLAN offload hides tags from XDP: with rx-vlan-hw-parse on, many drivers strip the tag into
// metadata before the program runs, and the VLAN policy would see every frame as untagged.
// Read and change it through the ethtool ioctl (ETHTOOL_GFEATURES / ETHTOOL_SFEATURES).
#include <optional>
#include <string>

namespace bootgate::xdp {

struct VlanOffload {
  bool rx_vlan_hw_parse = false;   // "rxvlan": tag stripped on receive
  bool tx_vlan_hw_insert = false;  // "txvlan": tag kept as metadata on transmit
  bool rx_changeable = false;      // the driver lets us turn rxvlan off
};

// nullopt (and `error` set) if the interface has no such features or the ioctl fails.
std::optional<VlanOffload> query_vlan_offload(const std::string& ifname, std::string* error = nullptr);

// Requests rx-vlan-hw-parse on/off. Returns false (and sets `error`) if the driver refuses.
bool set_rx_vlan_offload(const std::string& ifname, bool on, std::string* error = nullptr);

}  // namespace bootgate::xdp
