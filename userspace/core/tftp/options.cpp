#include "core/tftp/options.hpp"

#include <algorithm>

namespace bootgate::tftp {
namespace {

const Option* find(const std::vector<Option>& opts, std::string_view name) {
  auto it = std::find_if(opts.begin(), opts.end(), [&](const Option& o) { return o.name == name; });
  return it == opts.end() ? nullptr : &*it;
}

}  // namespace

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Negotiated negotiate(const Request& request, const NegotiationLimits& limits, std::optional<std::uint64_t> file_size) {
  Negotiated n;
  // Acknowledge in the order the client asked; unknown or invalid options are simply not acknowledged.
  for (const auto& opt : request.options) {
    const auto v = parse_uint(opt.value);
    if (opt.name == "blksize") {
      if (!v || *v < 8) continue;
      const std::uint64_t cap = std::min<std::uint64_t>({kMaxBlockSize, limits.max_blksize, limits.path_blksize});
      n.blksize = static_cast<std::uint16_t>(std::min<std::uint64_t>(*v, cap));
      n.oack.push_back({"blksize", std::to_string(n.blksize)});
    } else if (opt.name == "windowsize") {
      if (!v || *v < 1 || *v > 65535) continue;
      n.windowsize = static_cast<std::uint16_t>(std::min<std::uint64_t>(*v, std::max<std::uint16_t>(1, limits.max_windowsize)));
      n.oack.push_back({"windowsize", std::to_string(n.windowsize)});
    } else if (opt.name == "timeout") {
      if (!v || *v < 1 || *v > 255) continue;
      n.timeout_s = static_cast<std::uint8_t>(*v);
      n.oack.push_back({"timeout", opt.value});
    } else if (opt.name == "tsize") {
      if (!v || !limits.tsize) continue;
      if (request.op == Opcode::rrq) {
        // curl rejects "tsize 0" in an OACK as invalid, so an empty file is served without it.
        if (!file_size || *file_size == 0) continue;
        n.tsize = *file_size;
        n.oack.push_back({"tsize", std::to_string(*file_size)});
      } else {
        n.tsize = *v;
        n.oack.push_back({"tsize", opt.value});
      }
    }
  }
  return n;
}

Result<Negotiated, std::string> accept_oack(const Request& sent, const std::vector<Option>& oack) {
  Negotiated n;
  for (const auto& opt : oack) {
    const Option* asked = find(sent.options, opt.name);
    if (!asked) return Unexpected{"server acknowledged option '" + opt.name + "' that was not requested"};
    const auto v = parse_uint(opt.value);
    const auto want = parse_uint(asked->value);
    if (!v) return Unexpected{"server sent a non-numeric value for '" + opt.name + "'"};
    if (opt.name == "blksize") {
      if (*v < 8 || (want && *v > *want)) return Unexpected{"server blksize " + opt.value + " is not acceptable"};
      n.blksize = static_cast<std::uint16_t>(*v);
    } else if (opt.name == "windowsize") {
      if (*v < 1 || (want && *v > *want)) return Unexpected{"server windowsize " + opt.value + " is not acceptable"};
      n.windowsize = static_cast<std::uint16_t>(*v);
    } else if (opt.name == "timeout") {
      if (!want || *v != *want) return Unexpected{"server changed the timeout to " + opt.value};
      n.timeout_s = static_cast<std::uint8_t>(*v);
    } else if (opt.name == "tsize") {
      n.tsize = *v;
    }
    n.oack.push_back(opt);
  }
  return n;
}

std::string describe(const std::vector<Option>& options) {
  std::string s;
  for (const auto& o : options) s += (s.empty() ? "" : " ") + o.name + "=" + o.value;
  return s.empty() ? "-" : s;
}

}  // namespace bootgate::tftp
