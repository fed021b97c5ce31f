#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "config/config.hpp"
#include "inventory/inventory.hpp"
#include "loader/plugin_loader.hpp"

namespace bootgate::plugins {
namespace {

namespace fs = std::filesystem;

const std::string kPluginDir = BOOTGATE_PLUGIN_DIR;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("bootgate-plugin-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return path / name;
  }
};

dhcp::BootRequest request_for(const char* mac) {
  dhcp::BootRequest r;
  r.hw = *dhcp::HwAddress::parse_mac(mac);
  r.arch = 7;
  return r;
}

TEST(Inventory, ParsesHostsAndNormalizesMacs) {
  inventory::Inventory inv;
  EXPECT_EQ(inv.parse("# mac, boot file, hostname, next server\n"
                      "\n"
                      "52:54:00:AB:CD:01, pxelinux.0, node1\r\n"
                      "52-54-00-ab-cd-02,ipxe/snponly.efi,node2,10.0.0.5\n"
                      "52:54:00:ab:cd:03, http://10.0.0.1/boot.efi\n"),
            "");
  EXPECT_EQ(inv.size(), 3u);
  const auto* h1 = inv.find("52:54:00:ab:cd:01");
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->boot_file, "pxelinux.0");
  EXPECT_EQ(h1->hostname, "node1");
  EXPECT_EQ(h1->line, 3);
  const auto* h2 = inv.find("52:54:00:ab:cd:02");
  ASSERT_TRUE(h2);
  EXPECT_EQ(h2->next_server, 0x0a000005u);
  EXPECT_EQ(inv.find("52:54:00:ab:cd:03")->hostname, "");
  EXPECT_EQ(inv.find("52:54:00:ab:cd:04"), nullptr);
}

TEST(Inventory, NamesTheLineOfEachMistake) {
  inventory::Inventory inv;
  EXPECT_EQ(inv.parse("52:54:00:ab:cd:01\n"), "line 1: expected mac,boot_file[,hostname[,next_server]]");
  EXPECT_EQ(inv.parse("# x\n52:54:00:ab:cd,f\n"), "line 2: '52:54:00:ab:cd' is not a MAC address like 52:54:00:12:34:56");
  EXPECT_EQ(inv.parse("52:54:00:ab:cd:01,,h\n"), "line 1: boot_file must be 1..255 characters");
  EXPECT_EQ(inv.parse("52:54:00:ab:cd:01,f,h,10.0.0\n"), "line 1: '10.0.0' is not an IPv4 address");
  EXPECT_EQ(inv.parse("52:54:00:ab:cd:01,f\n52:54:00:AB:CD:01,g\n"),
            "line 2: 52:54:00:ab:cd:01 is already listed on line 1");
}

TEST(InventoryPlugin, LoadsAndDecidesThroughTheAbi) {
  TempDir dir;
  dir.write("hosts.csv", "52:54:00:ab:cd:01, pxelinux.0, node1, 10.0.0.5\n");
  auto p = LoadedPlugin::load(kPluginDir + "/inventory.so", "hosts.csv", dir.path.string());
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ((*p)->name(), "inventory");
  auto d = (*p)->decide(request_for("52:54:00:ab:cd:01"));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->target.file, "pxelinux.0");
  EXPECT_EQ(d->target.next_server, 0x0a000005u);
  EXPECT_EQ(d->hostname, "node1");
  EXPECT_EQ(d->rule, "plugin inventory (inventory line 1)");
  EXPECT_FALSE((*p)->decide(request_for("52:54:00:ab:cd:02")));
}

TEST(InventoryPlugin, InitErrorsAreOneClearLine) {
  TempDir dir;
  auto missing = LoadedPlugin::load(kPluginDir + "/inventory.so", "nope.csv", dir.path.string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("init failed: cannot open"), std::string::npos) << missing.error();
  dir.write("bad.csv", "zz:54:00:ab:cd:01,f\n");
  auto bad = LoadedPlugin::load(kPluginDir + "/inventory.so", "bad.csv", dir.path.string());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("bad.csv: line 1: 'zz:54:00:ab:cd:01' is not a MAC address"), std::string::npos)
      << bad.error();
}

TEST(PluginLoader, RefusesOtherAbiVersionsAndNonPlugins) {
  auto wrong = LoadedPlugin::load(kPluginDir + "/testing/wrong_abi.so", "", "");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("built for plugin ABI version 2, this bootgate speaks version 1"), std::string::npos)
      << wrong.error();
  auto none = LoadedPlugin::load(kPluginDir + "/no-such.so", "", "");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("no-such.so"), std::string::npos);
  auto libc = LoadedPlugin::load("libm.so.6", "", "");
  ASSERT_FALSE(libc);
  EXPECT_NE(libc.error().find("not a bootgate plugin"), std::string::npos) << libc.error();
}

TEST(PluginLoader, PluginsComeBeforeTheYamlRules) {
  TempDir dir;
  dir.write("hosts.csv", "52:54:00:ab:cd:01, special.efi, node1\n");
  fs::copy_file(kPluginDir + "/inventory.so", dir.path / "inventory.so");
  fs::create_directories(dir.path / "tftproot");
  const auto yaml = dir.write("site.yaml",
                              "dhcp:\n"
                              "  plugins:\n"
                              "    - path: inventory.so\n"
                              "      config: hosts.csv\n"
                              "  boot:\n"
                              "    default: default.efi\n");
  const auto cfg = config::load_config(yaml.string());
  auto policy = make_boot_policy(cfg.dhcp, dir.path.string());
  ASSERT_TRUE(policy) << policy.error();
  auto listed = (*policy)->decide(request_for("52:54:00:ab:cd:01"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->target.file, "special.efi");
  auto other = (*policy)->decide(request_for("52:54:00:ab:cd:02"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->target.file, "default.efi");
  EXPECT_EQ(other->rule, "default");
}

}  // namespace
}  // namespace bootgate::plugins
