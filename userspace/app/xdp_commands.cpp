#include "app/commands.hpp"

namespace bootgate::app {

void add_xdp_commands(CLI::App&) {}

}  // namespace bootgate::app
