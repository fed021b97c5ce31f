#include "config/config.hpp"

#include <filesystem>

namespace bootgate::config {

Config parse_config(const NodeReader& root, const std::string& base_dir) {
  MapReader m(root);
  Config c;
  if (auto l = m.child("log")) {
    MapReader lm(*l);
    c.log.level = lm.get_enum("level", "info", {"trace", "debug", "info", "warn", "error"});
    lm.finish();
  }
  if (auto t = m.child("tftp")) c.tftp = parse_tftp(*t, base_dir);
  else c.tftp = parse_tftp(NodeReader(YAML::Node(YAML::NodeType::Map), "tftp", root.file()), base_dir);
  if (auto d = m.child("dhcp")) c.dhcp = parse_dhcp(*d);
  if (auto x = m.child("xdp")) c.xdp = parse_xdp(*x);
  m.finish();
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
