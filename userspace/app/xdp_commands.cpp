// bootgate stats: the XDP counters of a running `bootgate serve`, read from its pinned maps.
#include <iostream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "config/config.hpp"

#if BOOTGATE_HAVE_XDP
#include "xdp/stats.hpp"
#include "xdp/xdp_error.hpp"
#endif

namespace bg = bootgate;
using bootgate::app::kExitFailed;
using bootgate::app::kExitUsage;

namespace {

struct StatsFlags {
  std::string pin_dir;  // wins over --config
  std::string config;
};

int stats(const StatsFlags& f) {
  std::string pin_dir = bg::config::XdpSection{}.pin_dir;
  if (!f.pin_dir.empty()) {
    pin_dir = f.pin_dir;
  } else if (!f.config.empty()) {
    try {
      pin_dir = bg::config::load_config(f.config).xdp.pin_dir;
    } catch (const bg::config::ConfigError& e) {
      std::cerr << "bootgate: " << e.what() << "\n";
      return kExitUsage;
    }
  }
#if BOOTGATE_HAVE_XDP
  try {
    const auto s = bg::xdp::StatsReader::open_pinned(pin_dir).read();
    std::cout << "# xdp counters pinned at " << pin_dir << " (packets since the program was loaded)\n"
              << bg::xdp::format_stats(s);
    return 0;
  } catch (const bg::xdp::XdpError& e) {
    std::cerr << "bootgate stats: " << e.what() << "\n";
    return kExitFailed;
  }
#else
  std::cerr << "bootgate stats: unavailable: built without XDP support (BOOTGATE_BPF=OFF), nothing to read at "
            << pin_dir << "\n";
  return kExitFailed;
#endif
}

}  // namespace

namespace bootgate::app {

void add_xdp_commands(CLI::App& app) {
  auto flags = std::make_shared<StatsFlags>();
  auto* cmd = app.add_subcommand("stats", "show the XDP filter's counters (from a running bootgate serve)");
  cmd->add_option("--pin-dir", flags->pin_dir, "bpffs folder with the pinned maps (default: xdp.pin_dir, "
                                                "/sys/fs/bpf/bootgate)");
  cmd->add_option("--config,-c", flags->config, "read xdp.pin_dir from this configuration");
  cmd->callback([flags] {
    if (int rc = stats(*flags)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace bootgate::app
