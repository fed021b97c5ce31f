#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

namespace bootgate::config {
namespace {

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

NodeReader::NodeReader(YAML::Node node, std::string path, std::string file)
    : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {}

int NodeReader::line() const { return node_.Mark().line + 1; }

void NodeReader::fail(const std::string& message) const {
  std::ostringstream os;
  os << file_;
  if (node_.Mark().line >= 0) os << ":" << line();
  os << ": " << (path_.empty() ? "(top level)" : path_) << ": " << message;
  throw ConfigError(os.str());
}

std::string NodeReader::as_string() const {
  if (!node_.IsScalar()) fail("expected a string");
  return node_.Scalar();
}

bool NodeReader::as_bool() const {
  if (node_.IsScalar()) {
    const auto s = lower(node_.Scalar());
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
  }
  fail("expected true or false");
}

std::int64_t NodeReader::as_int(std::int64_t min, std::int64_t max) const {
  if (!node_.IsScalar()) fail("expected a number");
  const auto& s = node_.Scalar();
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) fail("expected a whole number, got '" + s + "'");
  if (v < min || v > max)
    fail(s + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
  return v;
}

std::uint64_t NodeReader::as_size(std::uint64_t max) const {
  if (!node_.IsScalar()) fail("expected a size such as 4096, 64KiB or 1GiB");
  const auto s = node_.Scalar();
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  std::uint64_t n = 0;
  if (!parse_u64(std::string_view(s).substr(0, i), n)) fail("expected a size such as 4096, 64KiB or 1GiB, got '" + s + "'");
  auto unit = lower(s.substr(i));
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  std::uint64_t mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1ull << 30;
  else if (unit == "t" || unit == "tb" || unit == "tib") mult = 1ull << 40;
  else fail("unknown size unit '" + s.substr(i) + "' (use B, KiB, MiB, GiB, TiB)");
  if (n > max / mult) fail(s + " is larger than the maximum " + std::to_string(max) + " bytes");
  return n * mult;
}

std::uint64_t NodeReader::as_duration_ms(std::uint64_t min_ms, std::uint64_t max_ms) const {
  if (!node_.IsScalar()) fail("expected a duration such as 30s, 5m or 1500ms");
  const auto s = node_.Scalar();
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  std::uint64_t n = 0;
  if (!parse_u64(std::string_view(s).substr(0, i), n)) fail("expected a duration such as 30s, 5m or 1500ms, got '" + s + "'");
  const auto unit = lower(s.substr(i));
  std::uint64_t mult = 0;
  if (unit == "ms") mult = 1;
  else if (unit.empty() || unit == "s") mult = 1000;
  else if (unit == "m") mult = 60'000;
  else if (unit == "h") mult = 3'600'000;
  else if (unit == "d") mult = 86'400'000;
  else fail("unknown duration unit '" + s.substr(i) + "' (use ms, s, m, h, d)");
  if (n > std::numeric_limits<std::uint64_t>::max() / mult) fail(s + " is too large");
  const auto ms = n * mult;
  if (ms < min_ms || ms > max_ms)
    fail(s + " is out of range " + std::to_string(min_ms) + "ms.." + std::to_string(max_ms) + "ms");
  return ms;
}

std::vector<NodeReader> NodeReader::items() const {
  std::vector<NodeReader> out;
  if (node_.IsScalar()) {
    out.emplace_back(node_, path_, file_);
    return out;
  }
  if (node_.IsNull()) return out;
  if (!node_.IsSequence()) fail("expected a list");
  for (std::size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", file_);
  return out;
}

MapReader::MapReader(const NodeReader& node) : node_(node) {
  if (!node_.node().IsMap() && !node_.node().IsNull()) node_.fail("expected a mapping of keys to values");
}

bool MapReader::has(const std::string& key) const { return node_.node().IsMap() && node_.node()[key]; }

std::optional<NodeReader> MapReader::child(const std::string& key) {
  seen_.insert(key);
  if (!has(key)) return std::nullopt;
  return NodeReader(node_.node()[key], join(node_.path(), key), node_.file());
}

NodeReader MapReader::require(const std::string& key) {
  auto c = child(key);
  if (!c) node_.fail("missing required key '" + key + "'");
  return *c;
}

std::string MapReader::get_string(const std::string& key, const std::string& fallback) {
  auto c = child(key);
  return c ? c->as_string() : fallback;
}
bool MapReader::get_bool(const std::string& key, bool fallback) {
  auto c = child(key);
  return c ? c->as_bool() : fallback;
}
std::int64_t MapReader::get_int(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto c = child(key);
  return c ? c->as_int(min, max) : fallback;
}
std::uint64_t MapReader::get_size(const std::string& key, std::uint64_t fallback, std::uint64_t max) {
  auto c = child(key);
  return c ? c->as_size(max) : fallback;
}
std::uint64_t MapReader::get_duration_ms(const std::string& key, std::uint64_t fallback, std::uint64_t min_ms,
                                         std::uint64_t max_ms) {
  auto c = child(key);
  return c ? c->as_duration_ms(min_ms, max_ms) : fallback;
}
std::string MapReader::get_enum(const std::string& key, const std::string& fallback,
                                const std::vector<std::string>& choices) {
  auto c = child(key);
  if (!c) return fallback;
  auto v = c->as_string();
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string list;
    for (const auto& ch : choices) list += (list.empty() ? "" : ", ") + ch;
    c->fail("'" + v + "' is not one of: " + list);
  }
  return v;
}

void MapReader::finish() const {
  if (!node_.node().IsMap()) return;
  for (const auto& kv : node_.node()) {
    const auto key = kv.first.Scalar();
    if (!seen_.count(key)) {
      NodeReader k(kv.first, join(node_.path(), key), node_.file());
      k.fail("unknown key");
    }
  }
}

NodeReader load_text(const std::string& text, const std::string& name) {
  try {
    return NodeReader(YAML::Load(text), "", name);
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
}

NodeReader load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_text(ss.str(), path);
}

}  // namespace bootgate::config
