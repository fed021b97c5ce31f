#include "app/commands.hpp"

namespace bootgate::app {

void add_dhcp_commands(CLI::App&) {}

}  // namespace bootgate::app
