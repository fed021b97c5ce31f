// libFuzzer: the TFTP codec and option negotiation on arbitrary bytes. Whatever parses must
// re-encode to something that parses to the same thing.
#include <cstdint>
#include <cstdlib>
#include <variant>
#include <vector>

#include "core/tftp/options.hpp"
#include "core/tftp/packet.hpp"

using namespace bootgate::tftp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = parse(std::span(data, size));
  if (!parsed) return 0;
  if (auto* req = std::get_if<Request>(&parsed.value())) {
    std::vector<std::uint8_t> out(encoded_size(*req));
    if (encode_request(*req, out) != out.size()) std::abort();
    auto again = parse(out);
    if (!again || std::get<Request>(again.value()) != *req) std::abort();
    for (std::uint16_t mtu : {0, 576, 1500, 9000}) {
      NegotiationLimits limits;
      if (mtu) limits.path_blksize = static_cast<std::uint16_t>(mtu - 32);
      auto n = negotiate(*req, limits, size * 1000);
      if (n.blksize < 8 || n.blksize > kMaxBlockSize || n.blksize > limits.path_blksize + 0u) std::abort();
      if (n.windowsize < 1 || n.windowsize > limits.max_windowsize) std::abort();
      std::vector<std::uint8_t> oack(encoded_oack_size(n.oack));
      encode_oack(n.oack, oack);
      auto back = parse(oack);
      if (!back) std::abort();
      // A client must accept what a server negotiated from its own request.
      if (!accept_oack(*req, std::get<OAck>(back.value()).options)) std::abort();
    }
  }
  if (auto* oack = std::get_if<OAck>(&parsed.value())) {
    Request asked{Opcode::rrq, "f", Mode::octet, {{"blksize", "1468"}, {"tsize", "0"}, {"windowsize", "8"}}};
    (void)accept_oack(asked, oack->options);
  }
  return 0;
}
