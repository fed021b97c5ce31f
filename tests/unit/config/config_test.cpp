// YAML → Config: defaults, every TFTP key, and errors that name the file, line and key path.
#include <gtest/gtest.h>

#include "config/config.hpp"

using namespace bootgate;
using namespace bootgate::config;

namespace {

Config parse(const std::string& yaml) { return parse_config(load_text(yaml, "site.yaml"), "/tmp"); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Config, DefaultsWhenEmpty) {
  auto c = parse("tftp: {root: /tmp}\n");
  EXPECT_TRUE(c.tftp.enabled);
  ASSERT_EQ(c.tftp.listen.size(), 1u);
  EXPECT_EQ(c.tftp.listen[0].to_string(), "0.0.0.0:69");
  EXPECT_EQ(c.tftp.engine.max_windowsize, 64);
  EXPECT_FALSE(c.tftp.engine.uploads.enabled);
  EXPECT_EQ(c.log.level, "info");
}

TEST(Config, EveryTftpKey) {
  auto c = parse(R"(
log: {level: debug}
tftp:
  listen: ["127.0.0.1:6969", "[::1]:6969"]
  root: /tmp
  single_port: true
  port_range: 50000-50100
  max_blksize: 1468
  allow_ip_fragments: true
  max_windowsize: 128
  timeout: 1500ms
  retries: 7
  rollover: 1
  tsize: false
  max_transfers: 10
  max_transfers_per_client: 3
  filenames:
    backslash_to_slash: false
    max_length: 100
    remap: [{match: '^a(.*)$', replace: 'b$1'}]
  uploads: {enabled: true, overwrite: true, max_size: 2GiB}
)");
  const auto& t = c.tftp;
  EXPECT_EQ(c.log.level, "debug");
  ASSERT_EQ(t.listen.size(), 2u);
  EXPECT_EQ(t.listen[1].to_string(), "[::1]:6969");
  EXPECT_TRUE(t.engine.single_port);
  EXPECT_EQ(t.port_min, 50000);
  EXPECT_EQ(t.port_max, 50100);
  EXPECT_EQ(t.engine.max_blksize, 1468);
  EXPECT_TRUE(t.engine.allow_ip_fragments);
  EXPECT_EQ(t.engine.max_windowsize, 128);
  EXPECT_EQ(t.engine.timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(t.engine.retries, 7);
  EXPECT_EQ(t.engine.rollover, 1);
  EXPECT_FALSE(t.engine.tsize);
  EXPECT_EQ(t.engine.max_transfers, 10u);
  EXPECT_EQ(t.engine.max_transfers_per_client, 3u);
  EXPECT_FALSE(t.engine.names.backslash_to_slash);
  EXPECT_EQ(t.engine.names.max_length, 100u);
  ASSERT_EQ(t.engine.names.remap.size(), 1u);
  EXPECT_TRUE(t.engine.uploads.enabled);
  EXPECT_TRUE(t.engine.uploads.overwrite);
  EXPECT_EQ(t.engine.uploads.max_size, 2ull << 30);
}

TEST(Config, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"tftp:\n  root: /tmp\n  max_blksize: 70000\n", "site.yaml:3: tftp.max_blksize: 70000 is out of range 8..65464"},
      {"tftp:\n  root: /tmp\n  colour: blue\n", "site.yaml:3: tftp.colour: unknown key"},
      {"tftp:\n  root: /tmp\n  retries: many\n", "site.yaml:3: tftp.retries: expected a whole number, got 'many'"},
      {"tftp:\n  root: /tmp\n  listen: [\"1.2.3:69\"]\n", "site.yaml:3: tftp.listen[0]: expected an address"},
      {"tftp:\n  root: /tmp\n  uploads:\n    max_size: 12 parsecs\n", "site.yaml:4: tftp.uploads.max_size: unknown size unit"},
      {"tftp:\n  root: /tmp\n  timeout: 1w\n", "site.yaml:3: tftp.timeout: unknown duration unit"},
      {"tftp:\n  root: /tmp\n  port_range: 9-2\n", "site.yaml:3: tftp.port_range: the range's first port is above its last"},
      {"tftp:\n  root: /nonexistent/dir\n", "site.yaml:2: tftp.root: '/nonexistent/dir' is not a directory"},
      {"tftp:\n  root: /tmp\n  filenames:\n    remap:\n      - {match: '(', replace: x}\n",
       "site.yaml:5: tftp.filenames.remap[0].match: invalid regular expression"},
      {"tftp:\n  root: /tmp\n  single_port: maybe\n", "site.yaml:3: tftp.single_port: expected true or false"},
      {"log: {level: loud}\n", "site.yaml:1: log.level: 'loud' is not one of"},
      {"tftp: [1, 2]\n", "site.yaml:1: tftp: expected a mapping"},
      {"tftp:\n  root: /tmp\n   bad indent: 1\n", "site.yaml:3: YAML syntax error"},
  };
  for (const auto& c : cases) {
    const auto err = error_of(c.yaml);
    EXPECT_EQ(err.rfind(c.expected, 0), 0u) << "got: " << err << "\nwanted prefix: " << c.expected;
  }
}

namespace {
// tftp.datapath: af_xdp with an xdp section; `tftp_extra` and `xdp_extra` add keys.
std::string af_xdp_site(const std::string& tftp_extra, const std::string& xdp = "mode: required") {
  return "tftp:\n  root: /tmp\n  datapath: af_xdp\n" + tftp_extra + "xdp:\n  " + xdp +
         "\n  interfaces:\n    - name: eth0\n      vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]\n";
}
}  // namespace

TEST(Config, AfXdpDatapath) {
  EXPECT_EQ(parse("tftp: {root: /tmp}\n").tftp.datapath, TftpDatapath::automatic);
  EXPECT_FALSE(wants_af_xdp(parse("tftp: {root: /tmp}\n")));  // auto without an xdp section: sockets
  EXPECT_EQ(af_xdp_obstacle(parse("tftp: {root: /tmp}\n")),
            "af_xdp needs the XDP program: set xdp.mode to required or optional");
  const auto c = parse(af_xdp_site("  port_range: 50000-50999\n"));
  EXPECT_EQ(c.tftp.datapath, TftpDatapath::af_xdp);
  EXPECT_TRUE(wants_af_xdp(c));
  EXPECT_EQ(parse(af_xdp_site("  single_port: true\n")).tftp.datapath, TftpDatapath::af_xdp);
  EXPECT_EQ(parse(af_xdp_site("  port_range: 50000-50999\n", "mode: optional\n  tftp_transfer_ports: 50000-50999"))
                .tftp.datapath,
            TftpDatapath::af_xdp);

  // auto: AF_XDP where nothing is in the way, sockets (no error) where something is.
  auto site = [](const std::string& tftp_extra) {
    return "tftp:\n  root: /tmp\n" + tftp_extra + "xdp:\n  interfaces:\n    - name: eth0\n"
           "      vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]\n";
  };
  EXPECT_TRUE(wants_af_xdp(parse(site("  port_range: 61000-61999\n"))));
  EXPECT_FALSE(wants_af_xdp(parse(site(""))));
  EXPECT_FALSE(wants_af_xdp(parse(site("  port_range: 61000-61999\n  datapath: sockets\n"))));
  EXPECT_FALSE(wants_af_xdp(parse(site("  port_range: 61000-61999\n  listen: [\"[::]:69\"]\n"))));
  EXPECT_EQ(af_xdp_obstacle(parse(site("  port_range: 61000-61999\n  listen: [\"10.0.0.1:6969\"]\n"))),
            "af_xdp needs an IPv4 tftp.listen address on port 69");

  EXPECT_EQ(parse("tftp: {root: /tmp}\n").tftp.af_xdp_tx_frames, 8192u);
  EXPECT_EQ(parse("tftp: {root: /tmp, af_xdp_tx_frames: 64}\n").tftp.af_xdp_tx_frames, 64u);
  EXPECT_EQ(error_of("tftp:\n  root: /tmp\n  af_xdp_tx_frames: 100\n"),
            "site.yaml:3: tftp.af_xdp_tx_frames: 100 is not a power of two");
  EXPECT_EQ(error_of("tftp:\n  root: /tmp\n  af_xdp_tx_frames: 32\n").rfind("site.yaml:3: tftp.af_xdp_tx_frames: 32 is out of range 64..65536", 0), 0u);

  EXPECT_EQ(error_of("tftp:\n  root: /tmp\n  datapath: dpdk\n").rfind("site.yaml:3: tftp.datapath: 'dpdk' is not one of", 0), 0u);
  EXPECT_EQ(error_of("tftp:\n  root: /tmp\n  port_range: 50000-50999\n  datapath: af_xdp\n"),
            "site.yaml:4: tftp.datapath: af_xdp needs the XDP program: set xdp.mode to required or optional");
  EXPECT_EQ(error_of(af_xdp_site("")),
            "site.yaml:3: tftp.datapath: af_xdp needs tftp.port_range (or tftp.single_port): the transfer ports it owns");
  EXPECT_EQ(error_of(af_xdp_site("  port_range: 50000-50999\n", "tftp_transfer_ports: 40000-40999")),
            "site.yaml:3: tftp.datapath: af_xdp needs xdp.tftp_transfer_ports to match tftp.port_range (or to be left out)");
  const auto two = "tftp:\n  root: /tmp\n  datapath: af_xdp\n  port_range: 50000-50999\nxdp:\n  interfaces:\n"
                   "    - {name: eth0, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}\n"
                   "    - {name: eth1, vlans: [{vlan: untagged, prefixes: [10.1.0.0/24]}]}\n";
  EXPECT_EQ(error_of(two), "site.yaml:3: tftp.datapath: af_xdp serves one interface; xdp.interfaces lists 2");
}

TEST(Config, ShippedExampleIsValid) {
  auto c = load_config(std::string(BOOTGATE_SOURCE_DIR) + "/config/bootgate.yaml");
  EXPECT_TRUE(c.tftp.enabled);
}
