#pragma once
// Client system architecture types (option 93, RFC 4578 and the IANA registry), with the names the
// config uses. One name may cover several codes: "uefi-x64" is both 7 (EFI BC) and 9 (EFI x86-64),
// since x64 firmware sends either.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bootgate::dhcp {

struct ArchClass {
  std::string_view name;
  std::vector<std::uint16_t> codes;
  bool http = false;  // UEFI HTTP boot: the boot file is a URL, and option 60 "HTTPClient" is echoed
};

// The named classes, in a stable order (for error messages and docs).
std::span<const ArchClass> arch_classes();
// A class name ("uefi-x64") or a decimal code ("7") → codes. nullopt for unknown names.
std::optional<std::vector<std::uint16_t>> arch_codes(std::string_view name_or_number);
// "uefi-x64" for 7 or 9; the decimal code for unnamed ones.
std::string arch_name(std::uint16_t code);
bool is_http_arch(std::uint16_t code);
// "bios, uefi-ia32, ..." for error messages.
std::string arch_name_list();

}  // namespace bootgate::dhcp
