#include "config/config.hpp"

#include <algorithm>
#include <filesystem>

namespace bootgate::config {

std::string af_xdp_obstacle(const Config& c) {
  if (!c.tftp.enabled) return "tftp is disabled";
  if (c.xdp.mode == XdpMode::off) return "af_xdp needs the XDP program: set xdp.mode to required or optional";
  if (c.xdp.interfaces.size() != 1)
    return "af_xdp serves one interface; xdp.interfaces lists " + std::to_string(c.xdp.interfaces.size());
  if (!c.tftp.engine.single_port) {
    if (c.tftp.port_min == 0) return "af_xdp needs tftp.port_range (or tftp.single_port): the transfer ports it owns";
    if (c.xdp.transfer_ports_explicit &&
        (c.xdp.transfer_port_lo != c.tftp.port_min || c.xdp.transfer_port_hi != c.tftp.port_max))
      return "af_xdp needs xdp.tftp_transfer_ports to match tftp.port_range (or to be left out)";
  }
  // The program knows TFTP requests by port 69, and AF_XDP speaks IPv4.
  const bool v4_69 = std::any_of(c.tftp.listen.begin(), c.tftp.listen.end(),
                                 [](const Endpoint& e) { return !e.ip.v6 && e.port == 69; });
  if (!v4_69) return "af_xdp needs an IPv4 tftp.listen address on port 69";
  return "";
}

bool wants_af_xdp(const Config& c) {
  switch (c.tftp.datapath) {
    case TftpDatapath::sockets: return false;
    case TftpDatapath::af_xdp: return c.tftp.enabled;
    case TftpDatapath::automatic: return af_xdp_obstacle(c).empty();
  }
  return false;
}

Config parse_config(const NodeReader& root, const std::string& base_dir) {
  MapReader m(root);
  Config c;
  if (auto l = m.child("log")) {
    MapReader lm(*l);
    c.log.level = lm.get_enum("level", "info", {"trace", "debug", "info", "warn", "error"});
    lm.finish();
  }
  const auto tftp_node = m.child("tftp");
  if (tftp_node) c.tftp = parse_tftp(*tftp_node, base_dir);
  else c.tftp = parse_tftp(NodeReader(YAML::Node(YAML::NodeType::Map), "tftp", root.file()), base_dir);
  if (auto d = m.child("dhcp")) c.dhcp = parse_dhcp(*d);
  if (auto x = m.child("xdp")) c.xdp = parse_xdp(*x);
  m.finish();
  if (c.tftp.enabled && c.tftp.datapath == TftpDatapath::af_xdp) {
    if (const auto why = af_xdp_obstacle(c); !why.empty())
      NodeReader(tftp_node->node()["datapath"], tftp_node->path() + ".datapath", tftp_node->file()).fail(why);
  }
  return c;
}

Config load_config(const std::string& path) {
  auto root = load_file(path);
  const auto base = std::filesystem::absolute(path).parent_path().string();
  auto c = parse_config(root, base);
  c.path = path;
  return c;
}

}  // namespace bootgate::config
