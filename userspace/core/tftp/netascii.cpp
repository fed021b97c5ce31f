#include "core/tftp/netascii.hpp"

namespace bootgate::tftp {

NetasciiEncoder::Step NetasciiEncoder::encode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  Step s{0, 0};
  if (pending_ >= 0 && s.written < out.size()) {
    out[s.written++] = static_cast<std::uint8_t>(pending_);
    pending_ = -1;
  }
  while (s.consumed < in.size() && s.written < out.size() && pending_ < 0) {
    const auto c = in[s.consumed++];
    if (c == '\n' || c == '\r') {
      out[s.written++] = '\r';
      const std::uint8_t second = c == '\n' ? '\n' : '\0';
      if (s.written < out.size()) out[s.written++] = second;
      else pending_ = second;
    } else {
      out[s.written++] = c;
    }
  }
  return s;
}

void NetasciiDecoder::decode(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  for (auto c : in) {
    if (cr_) {
      cr_ = false;
      if (c == '\n') { out.push_back('\n'); continue; }
      if (c == '\0') { out.push_back('\r'); continue; }
      out.push_back('\r');  // lenient: a bare CR followed by data
    }
    if (c == '\r') cr_ = true;
    else out.push_back(c);
  }
}

void NetasciiDecoder::finish(std::vector<std::uint8_t>& out) {
  if (cr_) out.push_back('\r');
  cr_ = false;
}

}  // namespace bootgate::tftp
