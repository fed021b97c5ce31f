#include "xdp/vlan_offload.hpp"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/common/unique_fd.hpp"

namespace bootgate::xdp {
namespace {

constexpr const char* kRxVlan = "rx-vlan-hw-parse";
constexpr const char* kTxVlan = "tx-vlan-hw-insert";

struct Features {
  int rx_index = -1;
  int tx_index = -1;
  std::uint32_t blocks = 0;
};

bool fail(std::string* error, const std::string& what) {
  if (error) *error = what + ": " + std::strerror(errno);
  return false;
}

// ethtool structs end in flexible arrays; back them with u64 storage so alignment is right.
template <class T>
T* view(std::vector<std::uint64_t>& storage) {
  return reinterpret_cast<T*>(storage.data());
}

bool ethtool(int sock, const std::string& ifname, void* cmd) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  ifr.ifr_data = static_cast<char*>(cmd);
  return ioctl(sock, SIOCETHTOOL, &ifr) == 0;
}

bool lookup_features(int sock, const std::string& ifname, Features& out, std::string* error) {
  std::vector<std::uint64_t> info_buf((sizeof(ethtool_sset_info) + sizeof(std::uint32_t) + 7) / 8 + 1);
  auto* info = view<ethtool_sset_info>(info_buf);
  info->cmd = ETHTOOL_GSSET_INFO;
  info->sset_mask = 1ull << ETH_SS_FEATURES;
  if (!ethtool(sock, ifname, info)) return fail(error, "ETHTOOL_GSSET_INFO on " + ifname);
  if (!(info->sset_mask & (1ull << ETH_SS_FEATURES))) {
    errno = EOPNOTSUPP;
    return fail(error, "no feature strings on " + ifname);
  }
  const std::uint32_t count = info->data[0];

  std::vector<std::uint64_t> str_buf((sizeof(ethtool_gstrings) + std::size_t{count} * ETH_GSTRING_LEN + 7) / 8 + 1);
  auto* strings = view<ethtool_gstrings>(str_buf);
  strings->cmd = ETHTOOL_GSTRINGS;
  strings->string_set = ETH_SS_FEATURES;
  strings->len = count;
  if (!ethtool(sock, ifname, strings)) return fail(error, "ETHTOOL_GSTRINGS on " + ifname);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto* name = reinterpret_cast<const char*>(strings->data + std::size_t{i} * ETH_GSTRING_LEN);
    if (std::strncmp(name, kRxVlan, ETH_GSTRING_LEN) == 0) out.rx_index = static_cast<int>(i);
    if (std::strncmp(name, kTxVlan, ETH_GSTRING_LEN) == 0) out.tx_index = static_cast<int>(i);
  }
  out.blocks = (count + 31) / 32;
  if (out.rx_index < 0) {
    errno = EOPNOTSUPP;
    return fail(error, std::string(kRxVlan) + " not known on " + ifname);
  }
  return true;
}

}  // namespace

std::optional<VlanOffload> query_vlan_offload(const std::string& ifname, std::string* error) {
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) {
    fail(error, "socket");
    return std::nullopt;
  }
  Features f;
  if (!lookup_features(sock.get(), ifname, f, error)) return std::nullopt;

  std::vector<std::uint64_t> buf((sizeof(ethtool_gfeatures) + f.blocks * sizeof(ethtool_get_features_block) + 7) / 8 + 1);
  auto* g = view<ethtool_gfeatures>(buf);
  g->cmd = ETHTOOL_GFEATURES;
  g->size = f.blocks;
  if (!ethtool(sock.get(), ifname, g)) {
    fail(error, "ETHTOOL_GFEATURES on " + ifname);
    return std::nullopt;
  }
  auto bit = [&](int index, std::uint32_t ethtool_get_features_block::*field) {
    if (index < 0) return false;
    return ((g->features[index / 32].*field) >> (index % 32) & 1u) != 0;
  };
  VlanOffload v;
  v.rx_vlan_hw_parse = bit(f.rx_index, &ethtool_get_features_block::active);
  v.tx_vlan_hw_insert = bit(f.tx_index, &ethtool_get_features_block::active);
  v.rx_changeable = bit(f.rx_index, &ethtool_get_features_block::available) &&
                    !bit(f.rx_index, &ethtool_get_features_block::never_changed);
  return v;
}

bool set_rx_vlan_offload(const std::string& ifname, bool on, std::string* error) {
  UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) return fail(error, "socket");
  Features f;
  if (!lookup_features(sock.get(), ifname, f, error)) return false;

  std::vector<std::uint64_t> buf((sizeof(ethtool_sfeatures) + f.blocks * sizeof(ethtool_set_features_block) + 7) / 8 + 1);
  auto* s = view<ethtool_sfeatures>(buf);
  s->cmd = ETHTOOL_SFEATURES;
  s->size = f.blocks;
  const std::uint32_t mask = 1u << (f.rx_index % 32);
  s->features[f.rx_index / 32].valid = mask;
  s->features[f.rx_index / 32].requested = on ? mask : 0;
  if (!ethtool(sock.get(), ifname, s)) return fail(error, "ETHTOOL_SFEATURES on " + ifname);
  // The ioctl succeeds even when a driver keeps a fixed feature; check what actually happened.
  auto now = query_vlan_offload(ifname, error);
  if (!now) return false;
  if (now->rx_vlan_hw_parse != on) {
    errno = EOPNOTSUPP;
    return fail(error, "driver keeps " + std::string(kRxVlan) + (on ? " off" : " on") + " on " + ifname);
  }
  return true;
}

}  // namespace bootgate::xdp
