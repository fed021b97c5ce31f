#pragma once
// sockaddr <-> Endpoint, UDP socket setup, interface MTU: the only place that knows sockaddr layouts.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/common/endpoint.hpp"
#include "core/common/unique_fd.hpp"

namespace bootgate::net {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

SockAddr to_sockaddr(const Endpoint& e);
Endpoint from_sockaddr(const sockaddr_storage& s);

struct UdpSocketOptions {
  bool pktinfo = false;    // learn each datagram's local address and interface
  bool reuse_addr = false;
  int rcvbuf = 0;          // 0: kernel default
  int sndbuf = 0;
};

// A non-blocking UDP socket bound to `bind_to`. Throws std::system_error naming the address.
UniqueFd open_udp(const Endpoint& bind_to, const UdpSocketOptions& opts);
// Like open_udp but reports a failed bind as errno instead of throwing (port range probing).
UniqueFd try_open_udp(const Endpoint& bind_to, const UdpSocketOptions& opts, int& err);
Endpoint local_endpoint(int fd);

// The MTU of the interface named `name`; 0 when unknown.
std::uint32_t interface_mtu(const std::string& name);

// Interface MTUs by index, cached; 0 when unknown.
class MtuCache {
 public:
  std::uint32_t mtu(int ifindex);

 private:
  std::unordered_map<int, std::uint32_t> cache_;
};

// Raise RLIMIT_NOFILE to its hard limit: every transfer owns a socket.
void raise_fd_limit();

}  // namespace bootgate::net
