#include "config/tftp_config.hpp"

#include <filesystem>

namespace bootgate::config {
namespace {

void parse_port_range(const NodeReader& n, TftpSection& s) {
  const auto text = n.as_string();
  if (text == "0") return;
  const auto dash = text.find('-');
  auto port = [&](std::string_view p) -> std::uint16_t {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos)
      n.fail("expected a range such as 50000-50999 (or 0 for any port), got '" + text + "'");
    const auto v = std::stoul(std::string(p));
    if (v < 1 || v > 65535) n.fail("port " + std::string(p) + " is out of range 1..65535");
    return static_cast<std::uint16_t>(v);
  };
  if (dash == std::string::npos) n.fail("expected a range such as 50000-50999 (or 0 for any port), got '" + text + "'");
  s.port_min = port(std::string_view(text).substr(0, dash));
  s.port_max = port(std::string_view(text).substr(dash + 1));
  if (s.port_min > s.port_max) n.fail("the range's first port is above its last");
}

}  // namespace

TftpSection parse_tftp(const NodeReader& node, const std::string& base_dir) {
  MapReader m(node);
  TftpSection s;
  auto& e = s.engine;
  s.enabled = m.get_bool("enabled", true);
  if (auto l = m.child("listen")) {
    for (const auto& item : l->items()) {
      auto ep = Endpoint::parse(item.as_string(), 69);
      if (!ep) item.fail("expected an address such as 0.0.0.0:69 or [::]:69, got '" + item.as_string() + "'");
      s.listen.push_back(*ep);
    }
    if (s.listen.empty()) l->fail("needs at least one address");
  } else {
    s.listen.push_back(*Endpoint::parse("0.0.0.0:69", 69));
  }
  {
    auto root = m.get_string("root", "tftproot");
    std::filesystem::path p(root);
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    s.root = p.lexically_normal().string();
    if (s.enabled && !std::filesystem::is_directory(s.root)) {
      auto n = m.child("root");
      (n ? *n : m.self()).fail("'" + s.root + "' is not a directory");
    }
  }
  if (auto r = m.child("port_range")) parse_port_range(*r, s);
  e.single_port = m.get_bool("single_port", false);
  const auto datapath = m.get_enum("datapath", "auto", {"auto", "sockets", "af_xdp"});
  s.datapath = datapath == "af_xdp"    ? TftpDatapath::af_xdp
               : datapath == "sockets" ? TftpDatapath::sockets
                                       : TftpDatapath::automatic;
  if (auto f = m.child("af_xdp_tx_frames")) {
    const auto v = f->as_int(64, 65536);
    if ((v & (v - 1)) != 0) f->fail(std::to_string(v) + " is not a power of two");
    s.af_xdp_tx_frames = static_cast<std::uint32_t>(v);
  }
  e.max_blksize = static_cast<std::uint16_t>(m.get_int("max_blksize", tftp::kMaxBlockSize, 8, tftp::kMaxBlockSize));
  e.allow_ip_fragments = m.get_bool("allow_ip_fragments", false);
  e.max_windowsize = static_cast<std::uint16_t>(m.get_int("max_windowsize", 64, 1, 65535));
  e.timeout = std::chrono::milliseconds(m.get_duration_ms("timeout", 1000, 100, 255'000));
  e.retries = static_cast<int>(m.get_int("retries", 5, 0, 100));
  e.rollover = static_cast<std::uint16_t>(m.get_int("rollover", 0, 0, 1));
  e.tsize = m.get_bool("tsize", true);
  e.max_transfers = static_cast<std::size_t>(m.get_int("max_transfers", 2000, 1, 100'000));
  e.max_transfers_per_client = static_cast<std::size_t>(m.get_int("max_transfers_per_client", 64, 1, 100'000));
  if (auto f = m.child("filenames")) {
    MapReader fm(*f);
    e.names.backslash_to_slash = fm.get_bool("backslash_to_slash", true);
    e.names.max_length = static_cast<std::size_t>(fm.get_int("max_length", 255, 1, 1024));
    if (auto rules = fm.child("remap")) {
      for (const auto& item : rules->items()) {
        MapReader rm(item);
        tftp::RemapRule rule;
        auto match = rm.require("match");
        rule.pattern = match.as_string();
        try {
          rule.regex = std::regex(rule.pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& err) {
          match.fail(std::string("invalid regular expression: ") + err.what());
        }
        rule.replace = rm.require("replace").as_string();
        rm.finish();
        e.names.remap.push_back(std::move(rule));
      }
    }
    fm.finish();
  }
  if (auto u = m.child("uploads")) {
    MapReader um(*u);
    e.uploads.enabled = um.get_bool("enabled", false);
    e.uploads.overwrite = um.get_bool("overwrite", false);
    e.uploads.max_size = um.get_size("max_size", 64ull << 20, 1ull << 50);
    um.finish();
  }
  m.finish();
  return s;
}

}  // namespace bootgate::config
