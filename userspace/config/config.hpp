#pragma once
// The whole site, parsed once from YAML into plain structs. Nothing reads YAML after this.
#include <string>

#include "config/dhcp_config.hpp"
#include "config/tftp_config.hpp"
#include "config/xdp_config.hpp"

namespace bootgate::config {

struct LogSection {
  std::string level = "info";  // trace, debug, info, warn, error
};

struct Config {
  std::string path;  // the file it came from
  LogSection log;
  TftpSection tftp;
  DhcpSection dhcp;
  XdpSection xdp;
};

// Throws ConfigError naming file, line and key.
Config load_config(const std::string& path);
Config parse_config(const NodeReader& root, const std::string& base_dir);

}  // namespace bootgate::config
