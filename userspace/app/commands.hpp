#pragma once
// Each group of subcommands registers itself on the CLI. A command's callback runs the command and
// reports a non-zero exit status by throwing CLI::RuntimeError(status).
#include <CLI/CLI.hpp>

namespace bootgate::app {

inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

void add_serve_commands(CLI::App& app);   // serve, check-config        (serve_command.cpp)
void add_client_commands(CLI::App& app);  // get, put                   (client_commands.cpp)
void add_dhcp_commands(CLI::App& app);    // explain, leases            (dhcp_commands.cpp)
void add_xdp_commands(CLI::App& app);     // stats                      (xdp_commands.cpp)

}  // namespace bootgate::app
