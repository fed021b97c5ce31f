#pragma once
// netascii (RFC 764 as used by RFC 1350): on the wire every line ends in CR LF and a bare CR is CR NUL.
// Both directions stream, so a CR LF pair may straddle two blocks.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace bootgate::tftp {

// Local bytes → wire bytes (LF → CR LF, CR → CR NUL).
class NetasciiEncoder {
 public:
  struct Step {
    std::size_t consumed;
    std::size_t written;
  };
  // Encodes as much of `in` as fits in `out`.
  Step encode(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
  bool pending() const { return pending_ >= 0; }

 private:
  int pending_ = -1;  // second byte of a pair that did not fit
};

// Wire bytes → local bytes (CR LF → LF, CR NUL → CR; a CR before anything else is kept).
class NetasciiDecoder {
 public:
  void decode(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  // End of transfer: a trailing lone CR is kept.
  void finish(std::vector<std::uint8_t>& out);

 private:
  bool cr_ = false;
};

}  // namespace bootgate::tftp
