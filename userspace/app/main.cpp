// bootgate: the command line. Each command group lives in its own file (commands.hpp).
#include "app/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bootgate: DHCP/BOOTP + TFTP netboot server"};
  app.require_subcommand(1);
  bootgate::app::add_serve_commands(app);
  bootgate::app::add_client_commands(app);
  bootgate::app::add_dhcp_commands(app);
  bootgate::app::add_xdp_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
