#pragma once
// A part of `bootgate serve` with its own sockets and timers on the shared io_context: DHCP, XDP.
// TFTP is wired in serve_command.cpp; the others plug in here so each lives in its own file.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace bootgate::app {

class Service {
 public:
  virtual ~Service() = default;
  virtual std::string name() const = 0;
  // SIGHUP with a config that already validated.
  virtual void reload(const config::Config& cfg) = 0;
  // SIGTERM: stop taking new work (sockets close, timers stop); the destructor releases the rest.
  virtual void stop() = 0;
};

// Each returns nullptr when its section is disabled, and throws std::exception with a one-line
// message when it is enabled but cannot start (the caller exits with that message).
std::unique_ptr<Service> start_dhcp_service(boost::asio::io_context& io, const config::Config& cfg);  // dhcp_service.cpp
std::unique_ptr<Service> start_xdp_service(boost::asio::io_context& io, const config::Config& cfg);   // xdp_service.cpp

}  // namespace bootgate::app
