// PXE / netboot: the arch → boot file table, boot rules, iPXE loop break, UEFI HTTP boot,
// ProxyDHCP on ports 67 and 4011, and `explain`.
#include <gtest/gtest.h>

#include "core/dhcp/arch.hpp"
#include "core/dhcp/boot_policy.hpp"
#include "dhcp/dhcp_test_support.hpp"

namespace bootgate::dhcp {
namespace {

using testing::basic_config;
using testing::ClientPacket;
using testing::Harness;
using testing::ip;
using testing::mac;
using testing::reply_of;

BootConfig pxe_table() {
  BootConfig b;
  b.next_server = ip("10.0.0.2");
  for (const char* name : {"bios", "uefi-ia32", "uefi-x64", "uefi-arm32", "uefi-arm64"}) {
    const auto codes = arch_codes(name).value();  // a named copy: range-for would not extend the optional
    for (auto code : codes) b.arch[code] = BootTarget{std::string(name) + ".boot"};
  }
  for (const char* name : {"http-ia32", "http-x64", "http-arm32", "http-arm64"}) {
    const auto codes = arch_codes(name).value();
    for (auto code : codes) b.arch[code] = BootTarget{std::string("http://10.0.0.2/") + name + ".efi"};
  }
  b.ipxe = BootTarget{"http://10.0.0.2/boot.ipxe"};
  return b;
}

TEST(DhcpBoot, ArchNamesCoverAllFamilies) {
  EXPECT_EQ(*arch_codes("bios"), (std::vector<std::uint16_t>{0}));
  EXPECT_EQ(*arch_codes("uefi-x64"), (std::vector<std::uint16_t>{7, 9}));
  EXPECT_EQ(*arch_codes("uefi-arm64"), (std::vector<std::uint16_t>{11}));
  EXPECT_EQ(*arch_codes("http-x64"), (std::vector<std::uint16_t>{16}));
  EXPECT_EQ(*arch_codes("42"), (std::vector<std::uint16_t>{42}));
  EXPECT_FALSE(arch_codes("amiga"));
  EXPECT_EQ(arch_name(9), "uefi-x64");
  EXPECT_TRUE(is_http_arch(16));
  EXPECT_FALSE(is_http_arch(7));
}

struct ArchCase {
  std::uint16_t arch;
  const char* file;
};

TEST(DhcpBoot, ArchTableChoosesTheBootFile) {
  Harness h(basic_config(), pxe_table());
  const ArchCase cases[] = {{0, "bios.boot"},       {6, "uefi-ia32.boot"},  {7, "uefi-x64.boot"},
                            {9, "uefi-x64.boot"},   {10, "uefi-arm32.boot"}, {11, "uefi-arm64.boot"}};
  std::uint8_t n = 1;
  for (const auto& c : cases) {
    auto out = h.send(ClientPacket(MessageType::discover, mac(n++)).pxe(c.arch).prl({1, 3, 66, 67}));
    ASSERT_EQ(out.action, Action::offered);
    Packet p = reply_of(out);
    EXPECT_EQ(p.file, c.file) << c.arch;
    EXPECT_EQ(p.options.get_string(option::bootfile_name), c.file);
    EXPECT_EQ(p.siaddr, ip("10.0.0.2"));
    EXPECT_EQ(p.options.get_string(option::tftp_server_name), "10.0.0.2");
    EXPECT_EQ(p.options.get_string(option::vendor_class), "PXEClient");
    auto uuid = p.options.get(option::client_uuid);  // echoed
    ASSERT_TRUE(uuid);
    EXPECT_EQ(uuid->size(), 17u);
    // PXE ROMs: discovery control 8 = boot the named file, no boot-server discovery.
    auto vendor = p.options.get(option::vendor_specific);
    ASSERT_TRUE(vendor);
    EXPECT_EQ(std::vector<std::uint8_t>(vendor->begin(), vendor->end()), (std::vector<std::uint8_t>{6, 1, 8, 255}));
  }
  // A plain DHCP client (no arch, no fallback) gets no boot file.
  Packet plain = reply_of(h.send(ClientPacket(MessageType::discover, mac(99))));
  EXPECT_TRUE(plain.file.empty());
  EXPECT_FALSE(plain.options.has(option::vendor_class));
}

TEST(DhcpBoot, UefiHttpBootGetsAUrlAndHttpClient) {
  Harness h(basic_config(), pxe_table());
  std::uint8_t n = 1;
  for (auto [arch, name] : {std::pair{15, "http-ia32"}, {16, "http-x64"}, {18, "http-arm32"}, {19, "http-arm64"}}) {
    auto out = h.send(ClientPacket(MessageType::discover, mac(n++)).pxe(static_cast<std::uint16_t>(arch)));
    Packet p = reply_of(out);
    const std::string url = std::string("http://10.0.0.2/") + name + ".efi";
    EXPECT_EQ(p.file, url);
    EXPECT_EQ(p.options.get_string(option::bootfile_name), url);
    EXPECT_EQ(p.options.get_string(option::vendor_class), "HTTPClient");
    EXPECT_FALSE(p.options.has(option::vendor_specific));
  }
}

TEST(DhcpBoot, IpxeClientGetsTheScriptNotIpxeAgain) {
  Harness h(basic_config(), pxe_table());
  // First stage: the BIOS ROM gets the iPXE binary.
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(1)).pxe(0))).file, "bios.boot");
  // Second stage: iPXE itself (user class "iPXE") asks again and gets the script.
  auto by_user_class = reply_of(h.send(ClientPacket(MessageType::discover, mac(1)).pxe(0).user_class("iPXE")));
  EXPECT_EQ(by_user_class.file, "http://10.0.0.2/boot.ipxe");
  EXPECT_FALSE(by_user_class.options.has(option::vendor_specific));
  // iPXE builds that only send option 175 are recognised too.
  auto by_175 = reply_of(h.send(ClientPacket(MessageType::discover, mac(2)).pxe(7).opt(option::ipxe_encap, {1, 1, 1})));
  EXPECT_EQ(by_175.file, "http://10.0.0.2/boot.ipxe");
  // RFC 3004 framed user class works as well.
  auto framed = reply_of(h.send(ClientPacket(MessageType::discover, mac(3)).pxe(7).user_class(std::string_view("\x04iPXE", 5))));
  EXPECT_EQ(framed.file, "http://10.0.0.2/boot.ipxe");
}

TEST(DhcpBoot, OrderedRulesMatchOnEveryField) {
  auto cfg = basic_config();
  Reservation r;
  r.hw = mac(50);
  r.address = ip("10.0.0.50");
  r.hostname = "node50";
  cfg.subnets[0].reservations = {r};
  BootConfig b = pxe_table();
  BootRule by_host{.name = "host", .host = "node50", .target = {"node50.efi"}};
  BootRule arm_lab{.name = "arm-lab", .arch = {11}, .mac_prefix = {0x52, 0x54, 0x00, 0x12, 0x07}, .target = {"lab-arm.efi", ip("10.0.0.9")}};
  BootRule vendor{.name = "vendor", .vendor_class = "PXEClient:Arch:00000", .user_class = "lab", .target = {"lab.kpxe"}};
  BootRule ipxe_lan{.name = "ipxe-lan", .ipxe = true, .subnet = "lan", .target = {"lan.ipxe"}};
  b.rules = {by_host, arm_lab, vendor, ipxe_lan};
  Harness h(cfg, b);
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(50)).pxe(7))).file, "node50.efi");
  Packet arm = reply_of(h.send(ClientPacket(MessageType::discover, mac(1, 7)).pxe(11)));
  EXPECT_EQ(arm.file, "lab-arm.efi");
  EXPECT_EQ(arm.siaddr, ip("10.0.0.9"));
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(1, 8)).pxe(11))).file, "uefi-arm64.boot");  // other MAC prefix
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(2)).pxe(0).user_class("lab"))).file, "lab.kpxe");
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(3)).pxe(0).user_class("iPXE"))).file, "lan.ipxe");
}

TEST(DhcpBoot, VlanRule) {
  auto cfg = basic_config();
  cfg.subnets[0].vlan = 30;
  BootConfig b = pxe_table();
  b.rules = {BootRule{.name = "v30", .vlan = 30, .target = {"v30.efi"}}};
  Harness h(cfg, b);
  h.vlan = 30;
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(1)).pxe(7))).file, "v30.efi");
}

ServerConfig proxy_config(bool minimal_offer) {
  ServerConfig cfg;
  cfg.proxy = true;
  cfg.proxy_minimal_offer = minimal_offer;
  cfg.server_id = ip("10.0.0.1");
  return cfg;
}

// A PXE DISCOVER on port 67 in proxy mode: the offer, checked for what every proxy offer carries.
Packet proxy_offer_to(Harness& h, std::uint16_t arch) {
  auto out = h.send(ClientPacket(MessageType::discover, mac(1)).pxe(arch));
  EXPECT_EQ(out.action, Action::proxy_offer) << out.reason;
  Packet p = reply_of(out);
  EXPECT_EQ(p.message_type(), MessageType::offer);
  EXPECT_EQ(p.yiaddr, 0u);
  EXPECT_EQ(p.options.get_string(option::vendor_class), "PXEClient");
  EXPECT_EQ(p.options.get_ipv4(option::server_id), ip("10.0.0.1"));
  EXPECT_TRUE(p.options.has(option::client_uuid));
  EXPECT_EQ(out.reply->destination.kind, Destination::Kind::broadcast);
  return p;
}

TEST(DhcpBoot, ProxyDhcpGivesBootInformationOnly) {
  Harness h(proxy_config(false), pxe_table());
  // Port 67: a PXE DISCOVER gets an offer without an address.
  Packet p = proxy_offer_to(h, 0);
  EXPECT_EQ(p.file, "bios.boot");
  EXPECT_EQ(p.siaddr, ip("10.0.0.2"));
  EXPECT_FALSE(p.options.has(option::lease_time));
  EXPECT_FALSE(p.options.has(option::subnet_mask));
  EXPECT_TRUE(h.store.list().empty());
  // Non-PXE clients and REQUESTs meant for the real server are left alone.
  EXPECT_EQ(h.send(ClientPacket(MessageType::discover, mac(2))).action, Action::ignored);
  EXPECT_EQ(h.send(ClientPacket(MessageType::request, mac(1)).pxe(0).server_id(ip("10.0.0.254")).requested(ip("10.0.0.77"))).action,
            Action::ignored);
  // Port 4011: the client, now with an address from the other server, asks us directly.
  const Endpoint client{IpAddress::v4(ip("10.0.0.77")), 68};
  auto ack = h.send(ClientPacket(MessageType::request, mac(1)).pxe(7).ciaddr(ip("10.0.0.77")), kPxePort, client);
  ASSERT_EQ(ack.action, Action::proxy_ack) << ack.reason;
  Packet a = reply_of(ack);
  EXPECT_EQ(a.message_type(), MessageType::ack);
  EXPECT_EQ(a.file, "uefi-x64.boot");
  EXPECT_EQ(a.yiaddr, 0u);
  EXPECT_EQ(ack.reply->destination.kind, Destination::Kind::unicast);
  EXPECT_EQ(ack.reply->destination.to, client);
  EXPECT_TRUE(h.store.list().empty());
}

TEST(DhcpBoot, ProxyMinimalOfferLeavesTheBootFileToPort4011) {
  Harness h(proxy_config(true), pxe_table());
  // Port 67: "PXEClient" and our server id, no next-server, file or discovery control.
  Packet p = proxy_offer_to(h, 7);
  EXPECT_EQ(p.siaddr, 0u);
  EXPECT_EQ(p.file, "");
  EXPECT_FALSE(p.options.has(option::bootfile_name));
  EXPECT_FALSE(p.options.has(option::vendor_specific));
  // Port 4011 gives it.
  const Endpoint client{IpAddress::v4(ip("10.0.0.77")), 68};
  auto ack = h.send(ClientPacket(MessageType::request, mac(1)).pxe(7).ciaddr(ip("10.0.0.77")), kPxePort, client);
  ASSERT_EQ(ack.action, Action::proxy_ack) << ack.reason;
  EXPECT_EQ(reply_of(ack).file, "uefi-x64.boot");
  EXPECT_EQ(reply_of(ack).siaddr, ip("10.0.0.2"));
  // UEFI HTTP boot has no port-4011 step: its URL stays in the offer.
  auto http = h.send(ClientPacket(MessageType::discover, mac(2)).pxe(16));
  ASSERT_EQ(http.action, Action::proxy_offer) << http.reason;
  EXPECT_FALSE(reply_of(http).options.get_string(option::bootfile_name).value_or("").empty());
}

TEST(DhcpBoot, ExplainReportsWithoutTouchingLeases) {
  auto cfg = basic_config();
  Reservation r;
  r.hw = mac(50);
  r.address = ip("10.0.0.50");
  r.hostname = "node50";
  cfg.subnets[0].reservations = {r};
  Subnet v100;
  v100.name = "vlan100";
  v100.network = ip("10.100.0.0");
  v100.prefix = 24;
  v100.vlan = 100;
  v100.pools.push_back({ip("10.100.0.10"), ip("10.100.0.20")});
  cfg.subnets.push_back(v100);
  BootConfig b = pxe_table();
  b.rules = {BootRule{.name = "arm", .arch = {11}, .target = {"arm.efi"}}};
  Harness h(cfg, b);

  ExplainQuery q;
  q.hw = mac(50);
  q.arch = 7;
  auto e = h.server.explain(q, h.now);
  EXPECT_EQ(e.subnet, "lan");
  EXPECT_EQ(e.address, ip("10.0.0.50"));
  EXPECT_EQ(e.address_reason, "reservation");
  EXPECT_EQ(e.hostname, "node50");
  ASSERT_TRUE(e.boot);
  EXPECT_EQ(e.boot->target.file, "uefi-x64.boot");
  EXPECT_EQ(e.boot->rule, "arch uefi-x64");

  q.hw = mac(1);
  q.arch = 11;
  q.vlan = 100;
  e = h.server.explain(q, h.now);
  EXPECT_EQ(e.subnet, "vlan100");
  EXPECT_EQ(e.subnet_reason, "vlan 100");
  EXPECT_EQ(e.address, ip("10.100.0.10"));
  EXPECT_EQ(e.boot->rule, "rule 'arm'");

  q.vlan.reset();
  q.arch = 0;
  q.user_class = "iPXE";
  q.relay = ip("10.100.0.1");
  e = h.server.explain(q, h.now);
  EXPECT_EQ(e.subnet_reason, "relay 10.100.0.1");
  EXPECT_EQ(e.boot->rule, "ipxe");
  EXPECT_TRUE(h.store.list().empty());  // nothing held
}

}  // namespace
}  // namespace bootgate::dhcp
