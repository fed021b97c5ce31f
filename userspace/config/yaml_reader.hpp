#pragma once
// Typed, validating access to a YAML tree. Every error names the file, line and key path
// ("bootgate.yaml:12: tftp.max_blksize: 70000 is out of range 8..65464"). Each section parser
// reads the keys it knows and calls finish(), which rejects any key nobody read.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace bootgate::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class NodeReader {
 public:
  NodeReader(YAML::Node node, std::string path, std::string file);

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  int line() const;  // 1-based
  const YAML::Node& node() const { return node_; }

  [[noreturn]] void fail(const std::string& message) const;

  // Scalars (this node).
  std::string as_string() const;
  bool as_bool() const;
  std::int64_t as_int(std::int64_t min, std::int64_t max) const;
  // "64MiB", "1G", "4096" → bytes.
  std::uint64_t as_size(std::uint64_t max) const;
  // "30s", "5m", "2h", "1d", "1500ms", "10" (seconds) → milliseconds.
  std::uint64_t as_duration_ms(std::uint64_t min_ms, std::uint64_t max_ms) const;

  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  // A sequence's items (an error if this is not a sequence). A lone scalar counts as a list of one.
  std::vector<NodeReader> items() const;

 private:
  YAML::Node node_;
  std::string path_;
  std::string file_;
};

// A mapping whose keys are checked: read what you know, then finish().
class MapReader {
 public:
  explicit MapReader(const NodeReader& node);

  bool has(const std::string& key) const;
  std::optional<NodeReader> child(const std::string& key);
  NodeReader require(const std::string& key);

  std::string get_string(const std::string& key, const std::string& fallback);
  bool get_bool(const std::string& key, bool fallback);
  std::int64_t get_int(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::uint64_t get_size(const std::string& key, std::uint64_t fallback, std::uint64_t max);
  std::uint64_t get_duration_ms(const std::string& key, std::uint64_t fallback, std::uint64_t min_ms,
                                std::uint64_t max_ms);
  // One of `choices`, case-sensitive.
  std::string get_enum(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices);

  const NodeReader& self() const { return node_; }
  // Rejects keys that were never asked for, naming each with its line.
  void finish() const;

 private:
  NodeReader node_;
  std::set<std::string> seen_;
};

// Loads a file (or text, for tests) into the root reader; YAML syntax errors become ConfigError.
NodeReader load_file(const std::string& path);
NodeReader load_text(const std::string& text, const std::string& name);

}  // namespace bootgate::config
