#include "net/socket_util.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace bootgate::net {

SockAddr to_sockaddr(const Endpoint& e) {
  SockAddr s;
  if (e.ip.v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&s.storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(e.port);
    std::memcpy(&a->sin6_addr, e.ip.bytes.data(), 16);
    s.len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&s.storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(e.port);
    std::memcpy(&a->sin_addr, e.ip.bytes.data(), 4);
    s.len = sizeof(sockaddr_in);
  }
  return s;
}

Endpoint from_sockaddr(const sockaddr_storage& s) {
  Endpoint e;
  if (s.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&s);
    // A v4-mapped peer on a dual-stack socket is an IPv4 client.
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      std::memcpy(e.ip.bytes.data(), a->sin6_addr.s6_addr + 12, 4);
    } else {
      e.ip.v6 = true;
      std::memcpy(e.ip.bytes.data(), &a->sin6_addr, 16);
    }
    e.port = ntohs(a->sin6_port);
  } else if (s.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&s);
    std::memcpy(e.ip.bytes.data(), &a->sin_addr, 4);
    e.port = ntohs(a->sin_port);
  }
  return e;
}

UniqueFd try_open_udp(const Endpoint& bind_to, const UdpSocketOptions& opts, int& err) {
  const int family = bind_to.ip.v6 ? AF_INET6 : AF_INET;
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP));
  if (!fd) {
    err = errno;
    return fd;
  }
  const int one = 1;
  if (opts.reuse_addr) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind_to.ip.v6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (opts.pktinfo) {
    if (bind_to.ip.v6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    else ::setsockopt(fd.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  }
  if (opts.rcvbuf > 0) ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &opts.rcvbuf, sizeof opts.rcvbuf);
  if (opts.sndbuf > 0) ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &opts.sndbuf, sizeof opts.sndbuf);
  const auto sa = to_sockaddr(bind_to);
  if (::bind(fd.get(), sa.get(), sa.len) != 0) {
    err = errno;
    return UniqueFd{};
  }
  err = 0;
  return fd;
}

UniqueFd open_udp(const Endpoint& bind_to, const UdpSocketOptions& opts) {
  int err = 0;
  auto fd = try_open_udp(bind_to, opts, err);
  if (!fd) throw std::system_error(err, std::generic_category(), "cannot bind UDP " + bind_to.to_string());
  return fd;
}

Endpoint local_endpoint(int fd) {
  sockaddr_storage s{};
  socklen_t len = sizeof s;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len);
  return from_sockaddr(s);
}

std::uint32_t interface_mtu(const std::string& name) {
  ifreq req{};
  if (name.empty() || name.size() >= sizeof req.ifr_name) return 0;
  std::memcpy(req.ifr_name, name.data(), name.size());
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd || ::ioctl(fd.get(), SIOCGIFMTU, &req) != 0 || req.ifr_mtu <= 0) return 0;
  return static_cast<std::uint32_t>(req.ifr_mtu);
}

std::uint32_t MtuCache::mtu(int ifindex) {
  if (ifindex <= 0) return 0;
  if (auto it = cache_.find(ifindex); it != cache_.end()) return it->second;
  char name[IF_NAMESIZE] = {};
  const std::uint32_t value = ::if_indextoname(static_cast<unsigned>(ifindex), name) ? interface_mtu(name) : 0;
  cache_.emplace(ifindex, value);
  return value;
}

void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace bootgate::net
