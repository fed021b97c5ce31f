// libFuzzer: the DHCP engine on hostile traffic. The input is a script of packets, each preceded by
// a control byte (time step, VLAN, port, relay bits), fed to one Server with an in-memory store.
// Invariants: every reply parses, and no address is ever held by two clients at once.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "core/dhcp/memory_lease_store.hpp"
#include "core/dhcp/server.hpp"

namespace {

using namespace bootgate;
using namespace bootgate::dhcp;

ServerConfig make_config(bool proxy) {
  ServerConfig c;
  c.proxy = proxy;
  c.server_id = 0x0a000001;  // 10.0.0.1
  c.dynamic_bootp = true;
  Subnet lan;
  lan.name = "lan";
  lan.network = 0x0a000000;
  lan.prefix = 24;
  lan.pools = {{0x0a000064, 0x0a000067}};  // 4 addresses: exhaustion is reachable
  Reservation r;
  r.hw = HwAddress::ethernet({0x52, 0x54, 0, 0, 0, 5});
  r.address = 0x0a000005;
  lan.reservations = {r};
  Subnet vlan;
  vlan.name = "v7";
  vlan.network = 0x0a070000;
  vlan.prefix = 24;
  vlan.vlan = 7;
  vlan.pools = {{0x0a070010, 0x0a070011}};
  c.subnets = {lan, vlan};
  return c;
}

BootConfig make_boot() {
  BootConfig b;
  b.arch[0] = {"undionly.kpxe"};
  b.arch[7] = {"ipxe.efi"};
  b.arch[16] = {"http://10.0.0.1/ipxe.efi"};
  b.ipxe = {"boot.ipxe"};
  b.rules.push_back(BootRule{.name = "r", .vlan = 7, .target = {"v7.efi"}});
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const BootConfig boot_config = make_boot();
  const RuleBootPolicy boot(boot_config);
  MemoryLeaseStore store;
  Server server(make_config(data[0] & 1), store, boot);
  TimePoint now{std::chrono::hours(1)};
  std::size_t i = 1;
  while (i + 3 <= size) {
    const std::uint8_t control = data[i];
    const std::size_t len = (std::size_t{data[i + 1]} << 8) | data[i + 2];
    i += 3;
    const std::size_t n = std::min(len, size - i);
    Received in;
    in.payload = std::span(data + i, n);
    in.source = Endpoint{IpAddress::v4((control & 0x10) ? 0x0a000032u : 0u), 68};
    in.local = IpAddress::v4(0x0a000001u);
    in.local_port = (control & 0x20) ? kPxePort : kServerPort;
    if (control & 0x40) in.vlan = 7;
    in.to_broadcast = control & 0x80;
    now += std::chrono::seconds(control & 0x0f) * 10;
    in.now = now;
    i += n;
    auto out = server.handle(in);
    if (out.reply && !parse(out.reply->payload)) std::abort();
    if (control == 0xff) server.expire(now);
  }
  // No address is held by two clients (the table is keyed by address); check the other direction:
  // a client holds at most one binding and one pending offer per subnet.
  for (const auto& l : store.list()) {
    if (!l.active(now) || l.state == LeaseState::declined) continue;
    int same = 0;
    for (const auto& other : store.find_by_client(l.client))
      if (other.active(now) && other.state == l.state && (other.address >> 8) == (l.address >> 8)) ++same;
    if (same > 1) std::abort();
  }
  return 0;
}
