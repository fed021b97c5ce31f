#include "app/service.hpp"

namespace bootgate::app {

// The XDP front end is wired here (issue 4).
std::unique_ptr<Service> start_xdp_service(boost::asio::io_context&, const config::Config&) { return nullptr; }

}  // namespace bootgate::app
