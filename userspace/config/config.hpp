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

// Why TFTP cannot run on AF_XDP with this config ("" when it can); tftp.datapath: af_xdp makes any
// reason a config error, auto falls back to sockets.
std::string af_xdp_obstacle(const Config& c);
// tftp.datapath asks for AF_XDP (af_xdp, or auto with nothing in the way). Whether it runs also
// depends on the XDP program attaching and the sockets opening.
bool wants_af_xdp(const Config& c);

}  // namespace bootgate::config
