#include "xdp/policy.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <net/if.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstring>

#include "xdp/xdp_error.hpp"

namespace bootgate::xdp {
namespace {

std::uint16_t vid_or_none(const std::optional<std::uint16_t>& v) {
  return v ? *v : static_cast<std::uint16_t>(BG_VID_NONE);
}

template <class Key>
std::vector<Key> keys_of_generation(int fd, std::uint8_t generation) {
  std::vector<Key> out;
  Key cur{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (next.generation == generation) out.push_back(next);
    cur = next;
    prev = &cur;
  }
  return out;
}

template <class Key>
void delete_generation(int fd, std::uint8_t generation) {
  for (const auto& k : keys_of_generation<Key>(fd, generation)) bpf_map_delete_elem(fd, &k);
}

void delete_all_of(const PolicyMaps& m, std::uint8_t generation) {
  delete_generation<bg_vlan_key>(m.vlans, generation);
  delete_generation<bg_prefix_key>(m.prefixes, generation);
  delete_generation<bg_mac_key>(m.macs, generation);
}

void put(int fd, const void* key, const void* value, const char* table) {
  if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0) {
    const int err = errno;
    throw XdpError(XdpFailure::policy, std::string("xdp: cannot add to table ") + table + ": " + std::strerror(err) +
                                           (err == E2BIG || err == ENOMEM ? " (raise xdp.tables." + std::string(table) + ")" : ""));
  }
}

}  // namespace

unsigned system_ifindex(const std::string& name) { return if_nametoindex(name.c_str()); }

PolicyTables compile_policy(const config::XdpSection& s, std::uint8_t generation, const IfindexResolver& resolve) {
  PolicyTables t;
  auto& c = t.config;
  c.flags = (s.any_local ? std::uint32_t{BG_CFG_ANY_LOCAL} : 0u) |
            (s.dhcp_mac_allow.empty() ? 0u : std::uint32_t{BG_CFG_MAC_FILTER});
  c.xfer_port_lo = s.transfer_port_lo;
  c.xfer_port_hi = s.transfer_port_hi;
  c.req_rate = s.rate.requests_per_second;
  c.req_burst = s.rate.burst;
  c.xfer_rate = s.rate.transfer_packets_per_second;
  c.xfer_burst = s.rate.transfer_burst;
  c.global_rate = s.rate.global_requests_per_second;
  c.global_burst = s.rate.global_burst;
  c.max_tftp_request = static_cast<std::uint16_t>(s.max_tftp_request);
  c.max_dhcp_request = static_cast<std::uint16_t>(s.max_dhcp_request);
  if (!s.af_xdp_interface.empty()) {
    c.xsk_ifindex = resolve(s.af_xdp_interface);
    if (c.xsk_ifindex == 0)
      throw XdpError(XdpFailure::interface, "xdp: interface '" + s.af_xdp_interface + "' does not exist");
  }

  for (const auto& iface : s.interfaces) {
    const unsigned ifindex = resolve(iface.name);
    if (ifindex == 0) throw XdpError(XdpFailure::interface, "xdp: interface '" + iface.name + "' does not exist");
    for (const auto& v : iface.vlans) {
      bg_vlan_key vk{};
      vk.ifindex = ifindex;
      vk.outer_vid = vid_or_none(v.vlan.outer);
      vk.inner_vid = vid_or_none(v.vlan.inner);
      vk.generation = generation;
      bg_vlan_policy vp{};
      vp.flags = v.dhcp_anonymous ? std::uint32_t{BG_VLAN_DHCP_ANON} : 0u;
      t.vlans.emplace_back(vk, vp);
      for (const auto& p : v.prefixes) {
        bg_prefix_key pk{};
        pk.prefixlen = BG_PREFIX_FIXED_BITS + p.length;
        pk.ifindex = ifindex;
        pk.outer_vid = vk.outer_vid;
        pk.inner_vid = vk.inner_vid;
        pk.generation = generation;
        pk.addr = htonl(p.addr);
        t.prefixes.push_back(pk);
      }
    }
  }
  for (const auto& m : s.dhcp_mac_allow) {
    bg_mac_key mk{};
    mk.prefixlen = BG_MAC_FIXED_BITS + m.length;
    mk.generation = generation;
    std::memcpy(mk.mac, m.bytes.data(), sizeof mk.mac);
    t.macs.push_back(mk);
  }
  if (!s.any_local) {
    if (s.local_addresses.size() > BG_MAX_LOCAL_ADDRS)
      throw XdpError(XdpFailure::policy, "xdp: at most " + std::to_string(BG_MAX_LOCAL_ADDRS) + " local addresses");
    for (std::size_t i = 0; i < s.local_addresses.size(); ++i) c.local_addrs[i] = htonl(s.local_addresses[i]);
  }
  return t;
}

std::uint8_t apply_policy(const PolicyMaps& m, const config::XdpSection& section, const IfindexResolver& resolve) {
  const std::uint32_t zero = 0;
  bg_control control{};
  if (bpf_map_lookup_elem(m.control, &zero, &control) != 0)
    throw XdpError(XdpFailure::system, std::string("xdp: cannot read bg_control: ") + std::strerror(errno));
  const std::uint8_t live = control.generation & 1;
  const std::uint8_t next = live ^ 1;

  const auto tables = compile_policy(section, next, resolve);

  // Keep the test clock offset across reloads (always 0 in service).
  std::uint32_t live_index = live;
  bg_config live_cfg{};
  bpf_map_lookup_elem(m.config, &live_index, &live_cfg);
  bg_config cfg = tables.config;
  cfg.clock_offset_ns = live_cfg.clock_offset_ns;

  // Leftovers of an interrupted reload would otherwise become live with the flip.
  delete_all_of(m, next);
  try {
    const std::uint32_t next_index = next;
    put(m.config, &next_index, &cfg, "config");
    const std::uint8_t present = 1;
    for (const auto& [k, v] : tables.vlans) put(m.vlans, &k, &v, "vlans");
    for (const auto& k : tables.prefixes) put(m.prefixes, &k, &present, "prefixes");
    for (const auto& k : tables.macs) put(m.macs, &k, &present, "macs");
  } catch (...) {
    delete_all_of(m, next);
    throw;
  }

  control.generation = next;
  if (bpf_map_update_elem(m.control, &zero, &control, BPF_ANY) != 0) {
    const int err = errno;
    delete_all_of(m, next);
    throw XdpError(XdpFailure::system, std::string("xdp: cannot switch policy generation: ") + std::strerror(err));
  }
  // A program run that read the old generation just before the flip may still be looking it up.
  // XDP runs with preemption off and finishes within microseconds; a millisecond covers it, and
  // userspace has no cheaper way to wait out an RCU grace period.
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  delete_all_of(m, live);
  return next;
}

}  // namespace bootgate::xdp
