#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "core/common/endpoint.hpp"
#include "core/tftp/server_options.hpp"

namespace bootgate::config {

// How TFTP packets reach the engine: kernel UDP sockets, or AF_XDP sockets fed by the XDP program;
// automatic: AF_XDP when the XDP program is attached and the config allows it.
enum class TftpDatapath { automatic, sockets, af_xdp };

// The `tftp:` section: the engine's options plus what the datapath needs.
struct TftpSection {
  bool enabled = true;
  std::vector<Endpoint> listen;  // default 0.0.0.0:69
  std::string root;              // absolute (relative paths are taken from the config file's folder)
  std::uint16_t port_min = 0;    // transfer ports; 0/0 means the kernel picks
  std::uint16_t port_max = 0;
  tftp::ServerOptions engine;
  TftpDatapath datapath = TftpDatapath::automatic;
  std::uint32_t af_xdp_tx_frames = 8192;  // transmit frames per AF_XDP socket (a power of two)
};

// `base_dir` resolves a relative root.
TftpSection parse_tftp(const NodeReader& node, const std::string& base_dir);

}  // namespace bootgate::config
