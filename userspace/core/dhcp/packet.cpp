#include "core/dhcp/packet.hpp"

#include <algorithm>
#include <cstring>

namespace bootgate::dhcp {
namespace {

std::uint16_t load16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void store16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void store32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// A NUL-terminated (or field-filling) string field.
std::string read_cstring(std::span<const std::uint8_t> field) {
  const auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
  return std::string(field.begin(), nul);
}

enum class EndRule { required, optional };

// Reads one options area into `out`. `allow_overload` is false inside sname/file: option 52 only
// counts in the main options field.
std::optional<ParseError> read_options(std::span<const std::uint8_t> area, EndRule end_rule, bool allow_overload,
                                       OptionList& out) {
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t code = area[i];
    if (code == option::pad) {
      ++i;
      continue;
    }
    if (code == option::end) return std::nullopt;
    if (i + 1 >= area.size()) return ParseError::option_overflow;
    const std::size_t len = area[i + 1];
    if (i + 2 + len > area.size()) return ParseError::option_overflow;
    if (code != option::overload || allow_overload) out.append(code, area.subspan(i + 2, len));
    i += 2 + len;
  }
  if (end_rule == EndRule::required) return ParseError::missing_end;
  return std::nullopt;
}

}  // namespace

// ---- OptionList ----

const OptionList::Entry* OptionList::find(std::uint8_t code) const {
  for (const auto& e : entries_)
    if (e.code == code) return &e;
  return nullptr;
}

std::optional<std::span<const std::uint8_t>> OptionList::get(std::uint8_t code) const {
  const auto* e = find(code);
  if (!e) return std::nullopt;
  return data(*e);
}

std::optional<std::uint8_t> OptionList::get_u8(std::uint8_t code) const {
  auto d = get(code);
  if (!d || d->size() != 1) return std::nullopt;
  return (*d)[0];
}
std::optional<std::uint16_t> OptionList::get_u16(std::uint8_t code) const {
  auto d = get(code);
  if (!d || d->size() != 2) return std::nullopt;
  return load16(d->data());
}
std::optional<std::uint32_t> OptionList::get_u32(std::uint8_t code) const {
  auto d = get(code);
  if (!d || d->size() != 4) return std::nullopt;
  return load32(d->data());
}
std::optional<Ipv4> OptionList::get_ipv4(std::uint8_t code) const { return get_u32(code); }
std::optional<std::string_view> OptionList::get_string(std::uint8_t code) const {
  auto d = get(code);
  if (!d) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(d->data()), d->size());
}

void OptionList::set(std::uint8_t code, std::span<const std::uint8_t> bytes) {
  erase(code);
  append(code, bytes);
}
void OptionList::set(std::uint8_t code, std::string_view s) {
  set(code, std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
void OptionList::set_u8(std::uint8_t code, std::uint8_t v) { set(code, std::span(&v, 1)); }
void OptionList::set_u16(std::uint8_t code, std::uint16_t v) {
  std::uint8_t b[2];
  store16(b, v);
  set(code, b);
}
void OptionList::set_u32(std::uint8_t code, std::uint32_t v) {
  std::uint8_t b[4];
  store32(b, v);
  set(code, b);
}
void OptionList::set_ipv4(std::uint8_t code, Ipv4 v) { set_u32(code, v); }

void OptionList::append(std::uint8_t code, std::span<const std::uint8_t> bytes) {
  for (auto& e : entries_) {
    if (e.code != code) continue;
    if (e.offset + e.size == data_.size()) {  // last written: extend in place
      data_.insert(data_.end(), bytes.begin(), bytes.end());
    } else {  // move the joined value to the end
      std::vector<std::uint8_t> joined(data_.begin() + e.offset, data_.begin() + e.offset + e.size);
      joined.insert(joined.end(), bytes.begin(), bytes.end());
      e.offset = static_cast<std::uint32_t>(data_.size());
      data_.insert(data_.end(), joined.begin(), joined.end());
    }
    e.size += static_cast<std::uint32_t>(bytes.size());
    return;
  }
  entries_.push_back(Entry{code, static_cast<std::uint32_t>(data_.size()), static_cast<std::uint32_t>(bytes.size())});
  data_.insert(data_.end(), bytes.begin(), bytes.end());
}

void OptionList::erase(std::uint8_t code) {
  std::erase_if(entries_, [code](const Entry& e) { return e.code == code; });
}

void OptionList::clear() {
  entries_.clear();
  data_.clear();
}

// ---- Packet ----

std::optional<MessageType> Packet::message_type() const {
  auto t = options.get_u8(option::message_type);
  if (!t || *t < 1 || *t > 8) return std::nullopt;
  return static_cast<MessageType>(*t);
}

HwAddress Packet::hw_address() const {
  HwAddress h;
  h.type = htype;
  h.length = std::min<std::uint8_t>(hlen, 16);
  std::copy_n(chaddr.begin(), h.length, h.bytes.begin());
  return h;
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::truncated: return "truncated packet";
    case ParseError::bad_op: return "bad op code";
    case ParseError::bad_hlen: return "hardware address length over 16";
    case ParseError::bad_cookie: return "bad magic cookie";
    case ParseError::option_overflow: return "option length past the end of its field";
    case ParseError::missing_end: return "options not terminated by the end option";
    case ParseError::bad_overload: return "malformed option overload (52)";
  }
  return "?";
}

Result<Packet, ParseError> parse(std::span<const std::uint8_t> b) {
  if (b.size() < kFixedHeaderSize) return Unexpected{ParseError::truncated};
  Packet p;
  if (b[0] != 1 && b[0] != 2) return Unexpected{ParseError::bad_op};
  p.op = static_cast<Op>(b[0]);
  p.htype = b[1];
  p.hlen = b[2];
  if (p.hlen > 16) return Unexpected{ParseError::bad_hlen};
  p.hops = b[3];
  p.xid = load32(&b[4]);
  p.secs = load16(&b[8]);
  p.flags = load16(&b[10]);
  p.ciaddr = load32(&b[12]);
  p.yiaddr = load32(&b[16]);
  p.siaddr = load32(&b[20]);
  p.giaddr = load32(&b[24]);
  std::copy_n(&b[28], 16, p.chaddr.begin());
  const auto sname = b.subspan(kSnameOffset, kSnameSize);
  const auto file = b.subspan(kFileOffset, kFileSize);

  // Plain BOOTP: no vendor area, or one that is not RFC 1048 (all zeros is what old clients send).
  const auto vend = b.subspan(kFixedHeaderSize);
  const bool cookie = vend.size() >= 4 && load32(vend.data()) == kMagicCookie;
  if (!cookie) {
    if (std::any_of(vend.begin(), vend.end(), [](std::uint8_t c) { return c != 0; }))
      return Unexpected{ParseError::bad_cookie};
    p.has_cookie = false;
    p.sname = read_cstring(sname);
    p.file = read_cstring(file);
    return p;
  }

  if (auto err = read_options(b.subspan(kOptionsOffset), EndRule::required, true, p.options))
    return Unexpected{*err};
  std::uint8_t overload = 0;
  if (auto o = p.options.get(option::overload)) {
    if (o->size() != 1 || (*o)[0] < 1 || (*o)[0] > 3) return Unexpected{ParseError::bad_overload};
    overload = (*o)[0];
  }
  // RFC 2131 §4.1: file is read before sname. Those fields may end at their own edge.
  if (overload & 1) {
    if (auto err = read_options(file, EndRule::optional, false, p.options)) return Unexpected{*err};
  } else {
    p.file = read_cstring(file);
  }
  if (overload & 2) {
    if (auto err = read_options(sname, EndRule::optional, false, p.options)) return Unexpected{*err};
  } else {
    p.sname = read_cstring(sname);
  }
  return p;
}

namespace {

// One region of the packet that options can be written to.
struct Area {
  std::size_t begin;
  std::size_t end;   // exclusive, room for the end option already taken off
  std::size_t used = 0;
  std::size_t room() const { return end - begin - used; }
};

std::size_t encoded_option_size(std::size_t len) {
  if (len == 0) return 2;
  return len + 2 * ((len + 254) / 255);
}

void write_option(std::vector<std::uint8_t>& out, Area& a, std::uint8_t code, std::span<const std::uint8_t> data) {
  std::size_t pos = a.begin + a.used;
  std::size_t done = 0;
  do {
    const std::size_t chunk = std::min<std::size_t>(255, data.size() - done);
    out[pos++] = code;
    out[pos++] = static_cast<std::uint8_t>(chunk);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(done), chunk, out.begin() + static_cast<std::ptrdiff_t>(pos));
    pos += chunk;
    done += chunk;
  } while (done < data.size());
  a.used = pos - a.begin;
}

void write_cstring(std::vector<std::uint8_t>& out, std::size_t offset, std::size_t size, const std::string& s) {
  const std::size_t n = std::min(s.size(), size - 1);  // always leave a NUL
  std::copy_n(s.begin(), n, out.begin() + static_cast<std::ptrdiff_t>(offset));
}

}  // namespace

EncodeResult encode(const Packet& p, const EncodeLimits& limits, std::vector<std::uint8_t>& out) {
  const std::size_t max_size = std::max(limits.max_size, kOptionsOffset + 4);
  out.assign(std::max(max_size, limits.min_size), 0);
  out[0] = static_cast<std::uint8_t>(p.op);
  out[1] = p.htype;
  out[2] = p.hlen;
  out[3] = p.hops;
  store32(&out[4], p.xid);
  store16(&out[8], p.secs);
  store16(&out[10], p.flags);
  store32(&out[12], p.ciaddr);
  store32(&out[16], p.yiaddr);
  store32(&out[20], p.siaddr);
  store32(&out[24], p.giaddr);
  std::copy(p.chaddr.begin(), p.chaddr.end(), out.begin() + 28);
  write_cstring(out, kSnameOffset, kSnameSize, p.sname);
  write_cstring(out, kFileOffset, kFileSize, p.file);

  EncodeResult r;
  if (!p.has_cookie) {
    r.size = std::max(kFixedHeaderSize + 64, limits.min_size);  // RFC 951: 64-byte vend area
    out.resize(r.size);
    return r;
  }
  store32(&out[kFixedHeaderSize], kMagicCookie);

  const bool file_free = limits.allow_overload && p.file.empty();
  const bool sname_free = limits.allow_overload && p.sname.empty();
  // Main area: keep 1 byte for the end option and 3 for option 52 should we overload.
  Area areas[3] = {
      {kOptionsOffset, max_size - 1 - ((file_free || sname_free) ? 3 : 0)},
      {kFileOffset, kFileOffset + (file_free ? kFileSize - 1 : 0)},
      {kSnameOffset, kSnameOffset + (sname_free ? kSnameSize - 1 : 0)},
  };
  if (!file_free) areas[1].end = areas[1].begin;
  if (!sname_free) areas[2].end = areas[2].begin;

  for (const auto& e : p.options.entries()) {
    if (e.code == option::pad || e.code == option::end || e.code == option::overload) continue;
    const std::size_t need = encoded_option_size(e.size);
    Area* target = nullptr;
    for (auto& a : areas) {
      if (a.end > a.begin && a.room() >= need) {
        target = &a;
        break;
      }
    }
    if (!target) {
      ++r.dropped;
      continue;
    }
    write_option(out, *target, e.code, p.options.data(e));
  }
  std::uint8_t overload = 0;
  if (areas[1].used) overload |= 1;
  if (areas[2].used) overload |= 2;
  if (overload) {
    const std::uint8_t v = overload;
    areas[0].end += 3;  // the room kept for it
    write_option(out, areas[0], option::overload, std::span(&v, 1));
    // Overloaded fields carry options only: terminate each.
    if (overload & 1) out[areas[1].begin + areas[1].used] = option::end;
    if (overload & 2) out[areas[2].begin + areas[2].used] = option::end;
    r.overloaded = true;
  }
  const std::size_t end_pos = areas[0].begin + areas[0].used;
  out[end_pos] = option::end;
  r.size = std::max(end_pos + 1, limits.min_size);
  out.resize(r.size);
  return r;
}

std::size_t reply_size_limit(const Packet& request, std::size_t server_ceiling) {
  std::size_t limit = kDefaultMaxMessage;
  if (auto m = request.options.get_u16(option::max_message_size); m && *m >= 576) limit = *m - kIpUdpHeaders;
  return std::max(std::min(limit, server_ceiling), kBootpMinSize);
}

}  // namespace bootgate::dhcp
