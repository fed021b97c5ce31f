#pragma once
// BOOTP/DHCP wire format (RFC 951, 1542, 2131, 2132, 3396): parse and encode, no state.
// Parsing never trusts a length: every hostile input is an error value.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/dhcp/hw_address.hpp"
#include "core/dhcp/ipv4.hpp"
#include "core/dhcp/options.hpp"

namespace bootgate::dhcp {

inline constexpr std::size_t kFixedHeaderSize = 236;  // op .. file
inline constexpr std::size_t kOptionsOffset = 240;    // after the magic cookie
inline constexpr std::size_t kSnameOffset = 44;
inline constexpr std::size_t kSnameSize = 64;
inline constexpr std::size_t kFileOffset = 108;
inline constexpr std::size_t kFileSize = 128;
inline constexpr std::uint32_t kMagicCookie = 0x63825363;
inline constexpr std::size_t kBootpMinSize = 300;  // RFC 951 message size; RFC 1542 asks replies to pad to it
// A client that sends no option 57 accepts a 576-byte IP datagram: 548 bytes of DHCP (RFC 2131 §2).
inline constexpr std::size_t kDefaultMaxMessage = 548;
inline constexpr std::size_t kIpUdpHeaders = 28;  // option 57 counts IP + UDP headers

enum class Op : std::uint8_t { request = 1, reply = 2 };

// Options in order of first appearance. A code that appears several times is concatenated (RFC 3396).
class OptionList {
 public:
  struct Entry {
    std::uint8_t code;
    std::uint32_t offset;
    std::uint32_t size;
  };

  bool has(std::uint8_t code) const { return find(code) != nullptr; }
  std::optional<std::span<const std::uint8_t>> get(std::uint8_t code) const;
  std::optional<std::uint8_t> get_u8(std::uint8_t code) const;
  std::optional<std::uint16_t> get_u16(std::uint8_t code) const;
  std::optional<std::uint32_t> get_u32(std::uint8_t code) const;
  std::optional<Ipv4> get_ipv4(std::uint8_t code) const;  // exactly 4 bytes
  std::optional<std::string_view> get_string(std::uint8_t code) const;

  // Replaces the option (or adds it at the end).
  void set(std::uint8_t code, std::span<const std::uint8_t> data);
  void set(std::uint8_t code, std::string_view data);
  void set_u8(std::uint8_t code, std::uint8_t v);
  void set_u16(std::uint8_t code, std::uint16_t v);
  void set_u32(std::uint8_t code, std::uint32_t v);
  void set_ipv4(std::uint8_t code, Ipv4 v);
  // Appends to an existing option's data (RFC 3396 concatenation), or adds it.
  void append(std::uint8_t code, std::span<const std::uint8_t> data);
  void erase(std::uint8_t code);
  void clear();

  std::span<const Entry> entries() const { return entries_; }
  std::span<const std::uint8_t> data(const Entry& e) const { return {data_.data() + e.offset, e.size}; }
  std::size_t size() const { return entries_.size(); }

 private:
  const Entry* find(std::uint8_t code) const;
  std::vector<Entry> entries_;
  std::vector<std::uint8_t> data_;  // superseded bytes stay until clear(): lists are short-lived
};

struct Packet {
  Op op = Op::request;
  std::uint8_t htype = 1;
  std::uint8_t hlen = 6;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ipv4 ciaddr = 0;
  Ipv4 yiaddr = 0;
  Ipv4 siaddr = 0;
  Ipv4 giaddr = 0;
  std::array<std::uint8_t, 16> chaddr{};
  std::string sname;  // empty when the field carried options (overload)
  std::string file;
  bool has_cookie = true;  // false: a BOOTP packet with no RFC 1048 vendor area
  OptionList options;

  static constexpr std::uint16_t kBroadcastFlag = 0x8000;
  bool broadcast() const { return (flags & kBroadcastFlag) != 0; }
  std::optional<MessageType> message_type() const;
  HwAddress hw_address() const;
};

enum class ParseError {
  truncated,        // shorter than the fixed BOOTP header
  bad_op,           // op is neither BOOTREQUEST nor BOOTREPLY
  bad_hlen,         // hlen larger than chaddr
  bad_cookie,       // vendor area present but not the DHCP magic cookie
  option_overflow,  // an option's length runs past the end of its field
  missing_end,      // options field not terminated by the end option
  bad_overload,     // option 52 malformed
};
std::string_view to_string(ParseError e);

Result<Packet, ParseError> parse(std::span<const std::uint8_t> bytes);

struct EncodeLimits {
  std::size_t max_size = kDefaultMaxMessage;  // whole DHCP message (UDP payload)
  std::size_t min_size = kBootpMinSize;       // padded up to this
  bool allow_overload = true;                 // spill options into empty sname/file (option 52)
};

struct EncodeResult {
  std::size_t size = 0;
  std::size_t dropped = 0;  // options that did not fit anywhere (the caller ordered them by priority)
  bool overloaded = false;
};

// Writes `p` into `out` (resized). Options go in list order, each whole option into the first area
// (options, then file, then sname) with room; values over 255 bytes are split per RFC 3396.
EncodeResult encode(const Packet& p, const EncodeLimits& limits, std::vector<std::uint8_t>& out);

// The largest reply a client accepts: its option 57 (minus IP/UDP headers) capped by our own ceiling.
std::size_t reply_size_limit(const Packet& request, std::size_t server_ceiling);

}  // namespace bootgate::dhcp
