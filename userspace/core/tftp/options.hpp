#pragma once
// RFC 2347 option negotiation: blksize (2348), timeout and tsize (2349), windowsize (7440).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/tftp/packet.hpp"

namespace bootgate::tftp {

struct NegotiationLimits {
  std::uint16_t max_blksize = kMaxBlockSize;  // configured cap
  std::uint16_t path_blksize = kMaxBlockSize;  // MTU minus IP/UDP/TFTP headers for this client
  std::uint16_t max_windowsize = 64;
  bool tsize = true;  // answer tsize at all
};

struct Negotiated {
  std::uint16_t blksize = kDefaultBlockSize;
  std::uint16_t windowsize = 1;
  std::optional<std::uint8_t> timeout_s;
  std::optional<std::uint64_t> tsize;  // RRQ: size we report; WRQ: size the client announced
  std::vector<Option> oack;            // options to acknowledge; empty means no OACK
};

// Digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s);

// Server side. `file_size` is known for RRQ in octet mode (netascii sizes change in transit).
Negotiated negotiate(const Request& request, const NegotiationLimits& limits, std::optional<std::uint64_t> file_size);

// Client side: check the server's OACK against what we asked for. An error names the bad option.
Result<Negotiated, std::string> accept_oack(const Request& sent, const std::vector<Option>& oack);

// Human-readable "blksize=1468 windowsize=64" for logs.
std::string describe(const std::vector<Option>& options);

}  // namespace bootgate::tftp
