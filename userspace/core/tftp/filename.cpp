#include "core/tftp/filename.hpp"

#include <algorithm>

namespace bootgate::tftp {

Result<std::string, std::string> normalize_filename(const std::string& requested, const FilenamePolicy& policy) {
  if (requested.size() > policy.max_length) return Unexpected{std::string("file name too long")};
  if (requested.find('\0') != std::string::npos) return Unexpected{std::string("NUL byte in file name")};
  std::string name = requested;
  if (policy.backslash_to_slash) std::replace(name.begin(), name.end(), '\\', '/');
  for (const auto& rule : policy.remap) {
    if (std::regex_match(name, rule.regex)) {
      name = std::regex_replace(name, rule.regex, rule.replace);
      break;
    }
  }
  if (name.size() > policy.max_length) return Unexpected{std::string("file name too long after remap")};

  std::string out;
  std::size_t pos = 0;
  while (pos <= name.size()) {
    auto slash = name.find('/', pos);
    if (slash == std::string::npos) slash = name.size();
    const std::string_view part(name.data() + pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;  // leading '/', '//' and '.' collapse (tftp-hpa)
    if (part == "..") return Unexpected{std::string("'..' in file name")};
    if (std::any_of(part.begin(), part.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      return Unexpected{std::string("control character in file name")};
    if (!out.empty()) out += '/';
    out.append(part);
  }
  if (out.empty()) return Unexpected{std::string("empty file name")};
  return out;
}

}  // namespace bootgate::tftp
