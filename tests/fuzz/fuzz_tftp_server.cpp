// libFuzzer: the TFTP server engine fed a sequence of datagrams and timer ticks from a few peers.
// Input: records of [peer:1][kind:1][len:1][bytes:len]. Invariants: no crash or sanitizer report,
// no transfer outlives its retries, nothing written outside the in-memory file system's names.
#include <cstdint>
#include <cstdlib>

#include "core/tftp/server.hpp"

using namespace bootgate;
using namespace bootgate::tftp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryFileSystem fs;
  fs.files["boot/pxelinux.0"] = std::vector<std::uint8_t>(3000, 0x5a);
  fs.files["empty"] = {};
  fs.capacity = 100'000;
  ServerOptions opts;
  opts.uploads.enabled = true;
  opts.uploads.max_size = 50'000;
  opts.max_transfers = 8;
  opts.max_transfers_per_client = 4;
  opts.single_port = size > 0 && (data[0] & 1);
  Server server(opts, fs);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  const Endpoint local = *Endpoint::parse("10.0.0.1:69", 69);
  std::vector<std::uint64_t> flows;
  std::size_t pos = 1;
  while (pos + 3 <= size) {
    const std::uint8_t peer = data[pos] % 4, kind = data[pos + 1], len = data[pos + 2];
    pos += 3;
    const auto n = std::min<std::size_t>(len, size - pos);
    std::span<const std::uint8_t> bytes(data + pos, n);
    pos += n;
    const Endpoint from{IpAddress::v4(0x0a000100u + peer), static_cast<std::uint16_t>(1000 + peer)};
    switch (kind % 3) {
      case 0:
        if (auto f = server.on_listen_datagram(now, from, local, 1500, bytes)) flows.push_back(*f);
        break;
      case 1:
        if (!flows.empty()) server.on_flow_datagram(now, flows[kind % flows.size()], from, bytes);
        break;
      case 2:
        now += std::chrono::milliseconds(100 * (kind % 40));
        server.on_timeout(now);
        break;
    }
    server.tx().clear();
    server.take_closed();
    server.take_records();
  }
  // Every session must end once its peers fall silent: at most (retries + 1) * 255 s.
  for (int i = 0; i < 100 && server.active() > 0; ++i) {
    now += std::chrono::seconds(60);
    server.on_timeout(now);
    server.tx().clear();
  }
  if (server.active() != 0) std::abort();
  // No stored name may have a ".." component or be absolute ("a..b" is a fine name).
  for (const auto& [name, _] : fs.files) {
    const auto padded = "/" + name + "/";
    if (name.empty() || name[0] == '/' || padded.find("/../") != std::string::npos) std::abort();
  }
  return 0;
}
