#include "core/dhcp/arch.hpp"

#include <charconv>

namespace bootgate::dhcp {

std::span<const ArchClass> arch_classes() {
  static const std::vector<ArchClass> classes = {
      {"bios", {0}, false},
      {"uefi-ia32", {6}, false},
      {"uefi-x64", {7, 9}, false},
      {"uefi-arm32", {10}, false},
      {"uefi-arm64", {11}, false},
      {"uefi-riscv64", {27}, false},
      {"http-ia32", {15}, true},
      {"http-x64", {16}, true},
      {"http-arm32", {18}, true},
      {"http-arm64", {19}, true},
      {"http-bios", {20}, true},
      {"http-riscv64", {28}, true},
  };
  return classes;
}

std::optional<std::vector<std::uint16_t>> arch_codes(std::string_view s) {
  for (const auto& c : arch_classes())
    if (c.name == s) return c.codes;
  // Aliases people reach for.
  if (s == "uefi-x86") return arch_codes("uefi-ia32");
  if (s == "http-x86") return arch_codes("http-ia32");
  if (s == "uefi-bc") return std::vector<std::uint16_t>{7};
  std::uint16_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc{} && p == s.data() + s.size() && !s.empty()) return std::vector<std::uint16_t>{v};
  return std::nullopt;
}

std::string arch_name(std::uint16_t code) {
  for (const auto& c : arch_classes())
    for (auto v : c.codes)
      if (v == code) return std::string(c.name);
  return std::to_string(code);
}

bool is_http_arch(std::uint16_t code) {
  // IANA "HTTP" entries, including the ones without a config name.
  switch (code) {
    case 15: case 16: case 17: case 18: case 19: case 20: case 23: case 24: case 26: case 28: case 30:
    case 38: case 40:
      return true;
    default:
      return false;
  }
}

std::string arch_name_list() {
  std::string s;
  for (const auto& c : arch_classes()) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s + " or a number";
}

}  // namespace bootgate::dhcp
