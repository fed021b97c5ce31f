#pragma once
// A part of `bootgate serve` with its own sockets and timers on the shared io_context: DHCP, XDP.
// TFTP is wired in serve_command.cpp; the others plug in here so each lives in its own file.
#include <boost/asio/io_context.hpp>
#include <cstdint>
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

// The XDP service's part in the AF_XDP datapath (tftp.datapath: af_xdp).
class AfXdpHost {
 public:
  virtual ~AfXdpHost() = default;
  // Frames the program admits on `queue` of the AF_XDP interface go to this socket.
  virtual void register_xsk(std::uint32_t queue, int xsk_fd) = 0;
  // SIGTERM normally detaches at once; AF_XDP transfers need the program until they drain.
  virtual void keep_attached_on_stop() = 0;
};

// Each returns nullptr when its section is disabled, and throws std::exception with a one-line
// message when it is enabled but cannot start (the caller exits with that message).
std::unique_ptr<Service> start_dhcp_service(boost::asio::io_context& io, const config::Config& cfg);  // dhcp_service.cpp
std::unique_ptr<Service> start_xdp_service(boost::asio::io_context& io, const config::Config& cfg);   // xdp_service.cpp

}  // namespace bootgate::app
