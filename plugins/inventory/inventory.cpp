#include "inventory/inventory.hpp"

#include <arpa/inet.h>

#include <vector>

namespace bootgate::plugins::inventory {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = line.find(sep, start);
    out.push_back(trim(line.substr(start, at - start)));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> normalize_mac(std::string_view text) {
  // Six pairs of hex digits separated by ':' or '-'.
  if (text.size() != 17) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < 17; ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return std::nullopt;
      out.push_back(':');
    } else {
      const int v = hex(c);
      if (v < 0) return std::nullopt;
      out.push_back("0123456789abcdef"[v]);
    }
  }
  return out;
}

std::string Inventory::parse(std::string_view text) {
  hosts_.clear();
  int line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto at = "line " + std::to_string(line_no) + ": ";
    const auto fields = split(line, ',');
    if (fields.size() < 2 || fields.size() > 4)
      return at + "expected mac,boot_file[,hostname[,next_server]]";
    auto mac = normalize_mac(fields[0]);
    if (!mac) return at + "'" + std::string(fields[0]) + "' is not a MAC address like 52:54:00:12:34:56";
    Host h;
    h.line = line_no;
    h.boot_file = std::string(fields[1]);
    if (h.boot_file.empty() || h.boot_file.size() >= 256) return at + "boot_file must be 1..255 characters";
    if (fields.size() > 2) h.hostname = std::string(fields[2]);
    if (h.hostname.size() >= 64) return at + "hostname is longer than 63 characters";
    if (fields.size() > 3 && !fields[3].empty()) {
      in_addr a{};
      const std::string ip(fields[3]);
      if (::inet_pton(AF_INET, ip.c_str(), &a) != 1) return at + "'" + ip + "' is not an IPv4 address";
      h.next_server = ntohl(a.s_addr);
    }
    if (auto [it, fresh] = hosts_.emplace(*mac, h); !fresh)
      return at + *mac + " is already listed on line " + std::to_string(it->second.line);
  }
  return {};
}

const Host* Inventory::find(std::string_view mac) const {
  auto it = hosts_.find(std::string(mac));
  return it == hosts_.end() ? nullptr : &it->second;
}

}  // namespace bootgate::plugins::inventory
