#include "app/service.hpp"

namespace bootgate::app {

// The DHCP datapath is wired here (issue 3).
std::unique_ptr<Service> start_dhcp_service(boost::asio::io_context&, const config::Config&) { return nullptr; }

}  // namespace bootgate::app
