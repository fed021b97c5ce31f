#pragma once
// The host inventory: a CSV file mapping MAC → boot file, hostname and optional next-server.
//
//   # mac,               boot_file,            hostname, next_server (optional)
//   52:54:00:12:34:56,   pxelinux.0,           rack1-node1
//   52:54:00:12:34:57,   ipxe/snponly.efi,     rack1-node2, 10.0.0.5
//
// Blank lines and lines starting with '#' are ignored; fields are trimmed; MACs may use ':' or '-'
// and any case.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bootgate::plugins::inventory {

struct Host {
  std::string boot_file;
  std::string hostname;
  std::uint32_t next_server = 0;  // host byte order; 0: none
  int line = 0;
};

class Inventory {
 public:
  // Returns an empty string on success, else one line naming the line number and the mistake.
  std::string parse(std::string_view text);
  const Host* find(std::string_view mac) const;  // "aa:bb:cc:dd:ee:ff", lower case
  std::size_t size() const { return hosts_.size(); }

 private:
  std::unordered_map<std::string, Host> hosts_;
};

// "52-54-00-AB-CD-EF" → "52:54:00:ab:cd:ef"; nullopt if not six hex bytes.
std::optional<std::string> normalize_mac(std::string_view text);

}  // namespace bootgate::plugins::inventory
