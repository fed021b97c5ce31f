#pragma once
// What a client may ask for: map odd names (backslashes, regex remap rules like tftp-hpa's map file),
// then reduce to a relative path below the root or refuse. The file store confines again with
// openat2(RESOLVE_BENEATH); this is the first wall, that the second.
#include <regex>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace bootgate::tftp {

struct RemapRule {
  std::string pattern;  // ECMAScript regex, matched against the whole name
  std::regex regex;
  std::string replace;  // $1.. refer to groups
};

struct FilenamePolicy {
  bool backslash_to_slash = true;
  std::vector<RemapRule> remap;  // first matching rule wins
  std::size_t max_length = 255;
};

// A refusal names the reason; it always maps to TFTP error 2 (access violation).
Result<std::string, std::string> normalize_filename(const std::string& requested, const FilenamePolicy& policy);

}  // namespace bootgate::tftp
