#include "core/tftp/packet.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace bootgate::tftp {
namespace {

std::uint16_t read_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
void write_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Reads NUL-terminated strings from a byte range.
class Cursor {
 public:
  explicit Cursor(std::span<const std::uint8_t> b) : b_(b) {}
  bool at_end() const { return pos_ >= b_.size(); }
  std::optional<std::string_view> next_string() {
    const auto* begin = b_.data() + pos_;
    const auto* end = b_.data() + b_.size();
    const auto* nul = std::find(begin, end, std::uint8_t{0});
    if (nul == end) return std::nullopt;
    pos_ = static_cast<std::size_t>(nul - b_.data()) + 1;
    return std::string_view(reinterpret_cast<const char*>(begin), static_cast<std::size_t>(nul - begin));
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

Result<std::vector<Option>, ParseError> parse_options(Cursor& c) {
  std::vector<Option> opts;
  while (!c.at_end()) {
    auto name = c.next_string();
    if (!name) return Unexpected{ParseError::missing_nul};
    auto value = c.next_string();
    if (!value) return Unexpected{ParseError::bad_option};
    // Some clients pad requests with NULs; an empty name ends the list.
    if (name->empty()) break;
    if (opts.size() == kMaxOptions || name->size() > kMaxStringLength || value->size() > kMaxStringLength)
      return Unexpected{ParseError::bad_option};
    auto lname = ascii_lower(*name);
    if (std::any_of(opts.begin(), opts.end(), [&](const Option& o) { return o.name == lname; }))
      return Unexpected{ParseError::bad_option};
    opts.push_back(Option{std::move(lname), std::string(*value)});
  }
  return opts;
}

std::size_t put_string(std::uint8_t* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = 0;
  return s.size() + 1;
}

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::truncated: return "truncated packet";
    case ParseError::unknown_opcode: return "unknown opcode";
    case ParseError::missing_nul: return "string not NUL-terminated";
    case ParseError::bad_mode: return "unknown transfer mode";
    case ParseError::bad_option: return "malformed option list";
    case ParseError::trailing_bytes: return "trailing bytes";
  }
  return "?";
}

std::string_view to_string(ErrorCode e) {
  switch (e) {
    case ErrorCode::not_defined: return "not defined";
    case ErrorCode::file_not_found: return "file not found";
    case ErrorCode::access_violation: return "access violation";
    case ErrorCode::disk_full: return "disk full or allocation exceeded";
    case ErrorCode::illegal_operation: return "illegal TFTP operation";
    case ErrorCode::unknown_tid: return "unknown transfer ID";
    case ErrorCode::file_exists: return "file already exists";
    case ErrorCode::no_such_user: return "no such user";
    case ErrorCode::option_refused: return "option negotiation refused";
  }
  return "?";
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::octet: return "octet";
    case Mode::netascii: return "netascii";
    case Mode::mail: return "mail";
  }
  return "?";
}

Result<Packet, ParseError> parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2) return Unexpected{ParseError::truncated};
  const auto op = read_u16(bytes.data());
  const auto body = bytes.subspan(2);
  switch (op) {
    case 1:
    case 2: {
      Cursor c(body);
      auto file = c.next_string();
      if (!file) return Unexpected{ParseError::missing_nul};
      auto mode = c.next_string();
      if (!mode) return Unexpected{ParseError::missing_nul};
      if (file->size() > kMaxStringLength) return Unexpected{ParseError::bad_option};
      Request r;
      r.op = static_cast<Opcode>(op);
      r.filename = std::string(*file);
      const auto m = ascii_lower(*mode);
      if (m == "octet") r.mode = Mode::octet;
      else if (m == "netascii") r.mode = Mode::netascii;
      else if (m == "mail") r.mode = Mode::mail;
      else return Unexpected{ParseError::bad_mode};
      auto opts = parse_options(c);
      if (!opts) return Unexpected{opts.error()};
      r.options = std::move(opts.value());
      return Packet{std::move(r)};
    }
    case 3:
      if (body.size() < 2) return Unexpected{ParseError::truncated};
      return Packet{Data{read_u16(body.data()), body.subspan(2)}};
    case 4:
      if (body.size() < 2) return Unexpected{ParseError::truncated};
      if (body.size() > 2) return Unexpected{ParseError::trailing_bytes};
      return Packet{Ack{read_u16(body.data())}};
    case 5: {
      if (body.size() < 2) return Unexpected{ParseError::truncated};
      Error e{static_cast<ErrorCode>(read_u16(body.data())), {}};
      // Be lenient: some stacks omit the final NUL of the message.
      auto msg = body.subspan(2);
      const auto nul = std::find(msg.begin(), msg.end(), std::uint8_t{0});
      e.message.assign(msg.begin(), nul);
      if (e.message.size() > kMaxStringLength) e.message.resize(kMaxStringLength);
      return Packet{std::move(e)};
    }
    case 6: {
      Cursor c(body);
      auto opts = parse_options(c);
      if (!opts) return Unexpected{opts.error()};
      return Packet{OAck{std::move(opts.value())}};
    }
    default:
      return Unexpected{ParseError::unknown_opcode};
  }
}

std::size_t encoded_size(const Request& r) {
  std::size_t n = 2 + r.filename.size() + 1 + to_string(r.mode).size() + 1;
  for (const auto& o : r.options) n += o.name.size() + 1 + o.value.size() + 1;
  return n;
}

std::size_t encoded_oack_size(std::span<const Option> options) {
  std::size_t n = 2;
  for (const auto& o : options) n += o.name.size() + 1 + o.value.size() + 1;
  return n;
}

std::size_t encode_request(const Request& r, std::span<std::uint8_t> out) {
  if (out.size() < encoded_size(r)) return 0;
  auto* p = out.data();
  write_u16(p, static_cast<std::uint16_t>(r.op));
  std::size_t n = 2;
  n += put_string(p + n, r.filename);
  n += put_string(p + n, to_string(r.mode));
  for (const auto& o : r.options) {
    n += put_string(p + n, o.name);
    n += put_string(p + n, o.value);
  }
  return n;
}

std::size_t encode_ack(std::uint16_t block, std::span<std::uint8_t> out) {
  if (out.size() < 4) return 0;
  write_u16(out.data(), 4);
  write_u16(out.data() + 2, block);
  return 4;
}

std::size_t encode_error(ErrorCode code, std::string_view message, std::span<std::uint8_t> out) {
  if (out.size() < encoded_error_size(message)) return 0;
  write_u16(out.data(), 5);
  write_u16(out.data() + 2, static_cast<std::uint16_t>(code));
  return 4 + put_string(out.data() + 4, message);
}

std::size_t encode_oack(std::span<const Option> options, std::span<std::uint8_t> out) {
  if (out.size() < encoded_oack_size(options)) return 0;
  write_u16(out.data(), 6);
  std::size_t n = 2;
  for (const auto& o : options) {
    n += put_string(out.data() + n, o.name);
    n += put_string(out.data() + n, o.value);
  }
  return n;
}

void encode_data_header(std::uint16_t block, std::span<std::uint8_t> out) {
  write_u16(out.data(), 3);
  write_u16(out.data() + 2, block);
}

std::size_t encode_data(std::uint16_t block, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out) {
  if (out.size() < kDataHeaderSize + payload.size()) return 0;
  encode_data_header(block, out);
  if (!payload.empty()) std::memcpy(out.data() + kDataHeaderSize, payload.data(), payload.size());
  return kDataHeaderSize + payload.size();
}

}  // namespace bootgate::tftp
