#pragma once
// TFTP wire format (RFC 1350, option extension RFC 2347): parse and encode, no state.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/result.hpp"

namespace bootgate::tftp {

enum class Opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

enum class ErrorCode : std::uint16_t {
  not_defined = 0,
  file_not_found = 1,
  access_violation = 2,
  disk_full = 3,
  illegal_operation = 4,
  unknown_tid = 5,
  file_exists = 6,
  no_such_user = 7,
  option_refused = 8,
};

enum class Mode { octet, netascii, mail };

struct Option {
  std::string name;  // lower-cased on parse: option names are case-insensitive
  std::string value;
  bool operator==(const Option&) const = default;
};

struct Request {
  Opcode op = Opcode::rrq;  // rrq or wrq
  std::string filename;
  Mode mode = Mode::octet;
  std::vector<Option> options;
  bool operator==(const Request&) const = default;
};

struct Data {
  std::uint16_t block = 0;
  std::span<const std::uint8_t> payload;  // points into the parsed buffer
};

struct Ack {
  std::uint16_t block = 0;
};

struct Error {
  ErrorCode code = ErrorCode::not_defined;
  std::string message;
};

struct OAck {
  std::vector<Option> options;
};

using Packet = std::variant<Request, Data, Ack, Error, OAck>;

enum class ParseError {
  truncated,        // shorter than its opcode needs
  unknown_opcode,   // not 1..6
  missing_nul,      // a string field is not NUL-terminated
  bad_mode,         // mode is not octet/netascii/mail
  bad_option,       // option without value, duplicate option, or too many options
  trailing_bytes,   // bytes after a fixed-size packet
};
std::string_view to_string(ParseError e);
std::string_view to_string(ErrorCode e);
std::string_view to_string(Mode m);

// Limits that keep a hostile request cheap to parse.
inline constexpr std::size_t kMaxOptions = 16;
inline constexpr std::size_t kMaxStringLength = 1024;
inline constexpr std::size_t kDataHeaderSize = 4;
inline constexpr std::size_t kMaxBlockSize = 65464;  // RFC 2348
inline constexpr std::size_t kDefaultBlockSize = 512;

Result<Packet, ParseError> parse(std::span<const std::uint8_t> bytes);

// Encoders write into `out` and return the size written, or 0 when `out` is too small.
std::size_t encode_request(const Request& r, std::span<std::uint8_t> out);
std::size_t encode_ack(std::uint16_t block, std::span<std::uint8_t> out);
std::size_t encode_error(ErrorCode code, std::string_view message, std::span<std::uint8_t> out);
std::size_t encode_oack(std::span<const Option> options, std::span<std::uint8_t> out);
// Writes the 4-byte DATA header; the caller puts the payload right after it.
void encode_data_header(std::uint16_t block, std::span<std::uint8_t> out);
std::size_t encode_data(std::uint16_t block, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out);

// Upper bounds used to reserve buffers.
std::size_t encoded_size(const Request& r);
std::size_t encoded_oack_size(std::span<const Option> options);
inline std::size_t encoded_error_size(std::string_view message) { return 5 + message.size(); }

}  // namespace bootgate::tftp
