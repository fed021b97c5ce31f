// libFuzzer: the DHCP codec on hostile bytes. Anything that parses must re-encode into something
// that parses again (encode never writes a packet its own parser rejects).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/dhcp/packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bootgate::dhcp;
  auto parsed = parse(std::span(data, size));
  if (!parsed) return 0;
  const Packet& p = parsed.value();
  (void)p.message_type();
  (void)p.hw_address();
  (void)reply_size_limit(p, 1472);
  for (std::size_t max : {std::size_t{300}, kDefaultMaxMessage, std::size_t{1472}}) {
    std::vector<std::uint8_t> out;
    EncodeLimits limits;
    limits.max_size = max;
    const auto r = encode(p, limits, out);
    if (r.size != out.size()) std::abort();
    auto again = parse(out);
    if (!again) std::abort();
    if (!p.has_cookie) continue;
    // Whatever was not dropped comes back with the same bytes.
    if (r.dropped == 0) {
      for (const auto& e : p.options.entries()) {
        if (e.code == option::overload) continue;
        auto v = again.value().options.get(e.code);
        const auto want = p.options.data(e);
        if (!v || v->size() != want.size() || !std::equal(want.begin(), want.end(), v->begin())) std::abort();
      }
    }
  }
  return 0;
}
