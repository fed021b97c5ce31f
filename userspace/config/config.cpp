#include "config/config.hpp"

#include <filesystem>

namespace bootgate::config {
namespace {

// tftp.datapath: af_xdp depends on the xdp section: the program steers the frames, and it knows
// transfer packets only by the port range.
void check_af_xdp(const Config& c, const NodeReader& tftp) {
  const NodeReader key(tftp.node()["datapath"], tftp.path() + ".datapath", tftp.file());
  if (c.xdp.mode == XdpMode::off) key.fail("af_xdp needs the XDP program: set xdp.mode to required or optional");
  if (c.xdp.interfaces.size() != 1)
    key.fail("af_xdp serves one interface; xdp.interfaces lists " + std::to_string(c.xdp.interfaces.size()));
  if (!c.tftp.engine.single_port) {
    if (c.tftp.port_min == 0) key.fail("af_xdp needs tftp.port_range (or tftp.single_port): the transfer ports it owns");
    if (c.xdp.transfer_ports_explicit &&
        (c.xdp.transfer_port_lo != c.tftp.port_min || c.xdp.transfer_port_hi != c.tftp.port_max))
      key.fail("af_xdp needs xdp.tftp_transfer_ports to match tftp.port_range (or to be left out)");
  }
}

}  // namespace

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
  if (c.tftp.enabled && c.tftp.datapath == TftpDatapath::af_xdp) check_af_xdp(c, *tftp_node);
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
