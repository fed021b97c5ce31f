// The DHCP engine end to end on an in-memory store and a virtual clock: every exchange is encoded,
// handled and its reply parsed back with the real codec.
#include "core/dhcp/server.hpp"

#include <gtest/gtest.h>

#include <set>

#include "dhcp/dhcp_test_support.hpp"

namespace bootgate::dhcp {
namespace {

using namespace std::chrono_literals;
using testing::basic_config;
using testing::ClientPacket;
using testing::Harness;
using testing::ip;
using testing::mac;
using testing::reply_of;

// DISCOVER → OFFER → REQUEST → ACK; returns the bound address.
Ipv4 dora(Harness& h, const HwAddress& hw, std::uint32_t xid = 1) {
  auto offer = h.send(ClientPacket(MessageType::discover, hw, xid));
  EXPECT_EQ(offer.action, Action::offered) << offer.reason;
  if (!offer.reply) return 0;
  const Ipv4 a = reply_of(offer).yiaddr;
  auto ack = h.send(ClientPacket(MessageType::request, hw, xid).server_id(ip("10.0.0.1")).requested(a));
  EXPECT_EQ(ack.action, Action::acked) << ack.reason;
  return a;
}

TEST(DhcpServer, FullDora) {
  Harness h(basic_config());
  auto offer = h.send(ClientPacket(MessageType::discover, mac(1), 77).prl({1, 3, 6, 15, 51, 54}));
  ASSERT_EQ(offer.action, Action::offered) << offer.reason;
  ASSERT_TRUE(offer.reply);
  Packet o = reply_of(offer);
  EXPECT_EQ(o.op, Op::reply);
  EXPECT_EQ(o.xid, 77u);
  EXPECT_EQ(o.message_type(), MessageType::offer);
  EXPECT_EQ(o.yiaddr, ip("10.0.0.100"));
  EXPECT_EQ(o.options.get_ipv4(option::server_id), ip("10.0.0.1"));
  EXPECT_EQ(o.options.get_ipv4(option::subnet_mask), ip("255.255.255.0"));
  EXPECT_EQ(o.options.get_ipv4(option::router), ip("10.0.0.1"));
  EXPECT_EQ(o.options.get_ipv4(option::dns_servers), ip("10.0.0.53"));
  EXPECT_EQ(o.options.get_string(option::domain_name), "lab");
  EXPECT_EQ(o.options.get_u32(option::lease_time), 3600u);
  EXPECT_EQ(h.store.find_by_address(o.yiaddr)->state, LeaseState::offered);
  // No broadcast flag, no ciaddr: unicast to the offered address at chaddr.
  EXPECT_EQ(offer.reply->destination.kind, Destination::Kind::to_hw);
  EXPECT_EQ(offer.reply->destination.to, (Endpoint{IpAddress::v4(o.yiaddr), 68}));
  EXPECT_EQ(offer.reply->destination.hw, mac(1));

  auto ack = h.send(ClientPacket(MessageType::request, mac(1), 77).server_id(ip("10.0.0.1")).requested(o.yiaddr).broadcast());
  ASSERT_EQ(ack.action, Action::acked) << ack.reason;
  EXPECT_TRUE(ack.store_changed);
  Packet a = reply_of(ack);
  EXPECT_EQ(a.message_type(), MessageType::ack);
  EXPECT_EQ(a.yiaddr, o.yiaddr);
  EXPECT_EQ(a.options.get_u32(option::lease_time), 3600u);
  EXPECT_EQ(a.options.get_u32(option::renewal_time), 1800u);
  EXPECT_EQ(a.options.get_u32(option::rebinding_time), 3150u);
  EXPECT_EQ(ack.reply->destination.kind, Destination::Kind::broadcast);  // broadcast flag set
  EXPECT_EQ(ack.reply->destination.to, (Endpoint{IpAddress::v4(kBroadcast), 68}));
  auto lease = h.store.find_by_address(o.yiaddr);
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->state, LeaseState::bound);
  EXPECT_EQ(lease->expires, h.now + 1h);
}

TEST(DhcpServer, ParameterRequestListIsHonoured) {
  Harness h(basic_config());
  auto offer = h.send(ClientPacket(MessageType::discover, mac(1)).prl({1, 3}));
  Packet o = reply_of(offer);
  EXPECT_TRUE(o.options.has(option::router));
  EXPECT_FALSE(o.options.has(option::dns_servers));
  EXPECT_FALSE(o.options.has(option::domain_name));
  // Without a list, everything configured is sent.
  auto all = reply_of(h.send(ClientPacket(MessageType::discover, mac(2))));
  EXPECT_TRUE(all.options.has(option::dns_servers));
  EXPECT_TRUE(all.options.has(option::domain_name));
}

TEST(DhcpServer, SameClientGetsSameAddressAgain) {
  Harness h(basic_config());
  const Ipv4 a = dora(h, mac(1));
  auto again = reply_of(h.send(ClientPacket(MessageType::discover, mac(1))));
  EXPECT_EQ(again.yiaddr, a);
  // And by option 61 rather than chaddr, when the client sends one.
  auto offer = reply_of(h.send(ClientPacket(MessageType::discover, mac(9)).client_id("host-nine")));
  auto ack = h.send(ClientPacket(MessageType::request, mac(10)).client_id("host-nine").server_id(ip("10.0.0.1")).requested(offer.yiaddr));
  EXPECT_EQ(ack.action, Action::acked) << ack.reason;  // a new NIC, same client id
  EXPECT_EQ(reply_of(ack).options.get_string(option::client_id), "host-nine");  // RFC 6842 echo
}

TEST(DhcpServer, RenewExtendsTheLease) {
  Harness h(basic_config());
  const Ipv4 a = dora(h, mac(1));
  h.advance(30min);
  auto renew = h.send(ClientPacket(MessageType::request, mac(1)).ciaddr(a), kServerPort, Endpoint{IpAddress::v4(a), 68});
  ASSERT_EQ(renew.action, Action::acked) << renew.reason;
  EXPECT_NE(renew.reason.find("renewing"), std::string::npos);
  Packet r = reply_of(renew);
  EXPECT_EQ(r.ciaddr, a);
  EXPECT_EQ(r.yiaddr, a);
  EXPECT_EQ(renew.reply->destination.kind, Destination::Kind::unicast);
  EXPECT_EQ(renew.reply->destination.to, (Endpoint{IpAddress::v4(a), 68}));
  EXPECT_EQ(h.store.find_by_address(a)->expires, h.now + 1h);
}

TEST(DhcpServer, RebindFromAnotherServersClientIsAcceptedWhenAuthoritative) {
  Harness h(basic_config());
  const Ipv4 a = dora(h, mac(1));
  h.advance(55min);
  // REBINDING: broadcast, ciaddr set, no server id.
  auto out = h.send(ClientPacket(MessageType::request, mac(1)).ciaddr(a));
  ASSERT_EQ(out.action, Action::acked) << out.reason;
  EXPECT_EQ(h.store.find_by_address(a)->expires, h.now + 1h);
  // A client we never saw rebinding a free pool address: authoritative ACKs it...
  auto stranger = h.send(ClientPacket(MessageType::request, mac(2)).ciaddr(ip("10.0.0.150")));
  EXPECT_EQ(stranger.action, Action::acked) << stranger.reason;
  // ...but one that holds another client's address is refused.
  auto thief = h.send(ClientPacket(MessageType::request, mac(3)).ciaddr(a));
  EXPECT_EQ(thief.action, Action::naked);
}

TEST(DhcpServer, NonAuthoritativeStaysSilentForUnknownClients) {
  auto cfg = basic_config();
  cfg.authoritative = false;
  Harness h(cfg);
  auto out = h.send(ClientPacket(MessageType::request, mac(2)).requested(ip("10.0.0.150")));
  EXPECT_EQ(out.action, Action::ignored);
  EXPECT_FALSE(out.reply);
}

TEST(DhcpServer, NakForWrongSubnet) {
  Harness h(basic_config());
  // INIT-REBOOT with an address from a network the client left.
  auto out = h.send(ClientPacket(MessageType::request, mac(1)).requested(ip("192.168.7.20")));
  ASSERT_EQ(out.action, Action::naked) << out.reason;
  Packet n = reply_of(out);
  EXPECT_EQ(n.message_type(), MessageType::nak);
  EXPECT_EQ(n.yiaddr, 0u);
  EXPECT_FALSE(n.options.has(option::lease_time));
  EXPECT_EQ(n.options.get_ipv4(option::server_id), ip("10.0.0.1"));
  EXPECT_EQ(out.reply->destination.kind, Destination::Kind::broadcast);  // NAKs are broadcast
  // SELECTING with an address outside the subnet.
  auto sel = h.send(ClientPacket(MessageType::request, mac(1)).server_id(ip("10.0.0.1")).requested(ip("10.0.1.5")));
  EXPECT_EQ(sel.action, Action::naked);
}

TEST(DhcpServer, NakWhenAddressIsOutsideThePools) {
  Harness h(basic_config());
  auto out = h.send(ClientPacket(MessageType::request, mac(1)).requested(ip("10.0.0.20")));
  EXPECT_EQ(out.action, Action::naked) << out.reason;
}

TEST(DhcpServer, ClientChoosingAnotherServerFreesItsOffer) {
  Harness h(basic_config());
  const Ipv4 a = reply_of(h.send(ClientPacket(MessageType::discover, mac(1)))).yiaddr;
  auto out = h.send(ClientPacket(MessageType::request, mac(1)).server_id(ip("10.0.0.2")).requested(ip("10.0.0.7")));
  EXPECT_EQ(out.action, Action::ignored);
  EXPECT_FALSE(out.reply);
  EXPECT_FALSE(h.store.find_by_address(a));
}

TEST(DhcpServer, Inform) {
  Harness h(basic_config());
  auto out = h.send(ClientPacket(MessageType::inform, mac(1)).ciaddr(ip("10.0.0.42")).prl({3, 6}),
                    kServerPort, Endpoint{IpAddress::v4(ip("10.0.0.42")), 68});
  ASSERT_EQ(out.action, Action::informed) << out.reason;
  Packet r = reply_of(out);
  EXPECT_EQ(r.message_type(), MessageType::ack);
  EXPECT_EQ(r.yiaddr, 0u);
  EXPECT_EQ(r.ciaddr, ip("10.0.0.42"));
  EXPECT_FALSE(r.options.has(option::lease_time));  // RFC 2131 §4.3.5: no lease for INFORM
  EXPECT_EQ(r.options.get_ipv4(option::router), ip("10.0.0.1"));
  EXPECT_EQ(out.reply->destination.kind, Destination::Kind::unicast);
  EXPECT_EQ(out.reply->destination.to, (Endpoint{IpAddress::v4(ip("10.0.0.42")), 68}));
  EXPECT_TRUE(h.store.list().empty());
}

TEST(DhcpServer, ReleaseFreesTheAddressButKeepsAffinity) {
  Harness h(basic_config());
  const Ipv4 a = dora(h, mac(1));
  auto out = h.send(ClientPacket(MessageType::release, mac(1)).ciaddr(a).server_id(ip("10.0.0.1")));
  ASSERT_EQ(out.action, Action::released) << out.reason;
  EXPECT_FALSE(out.reply);
  EXPECT_TRUE(out.store_changed);
  EXPECT_EQ(h.store.find_by_address(a)->state, LeaseState::released);
  // Someone else may not release it.
  EXPECT_EQ(h.send(ClientPacket(MessageType::release, mac(2)).ciaddr(a)).action, Action::ignored);
  // The same client comes back to the same address.
  EXPECT_EQ(dora(h, mac(1)), a);
}

TEST(DhcpServer, DeclineQuarantinesTheAddress) {
  Harness h(basic_config());
  const Ipv4 a = dora(h, mac(1));
  auto out = h.send(ClientPacket(MessageType::decline, mac(1)).requested(a).server_id(ip("10.0.0.1")));
  ASSERT_EQ(out.action, Action::declined) << out.reason;
  EXPECT_FALSE(out.reply);
  EXPECT_EQ(h.store.find_by_address(a)->state, LeaseState::declined);
  // Neither the decliner nor anybody else gets it during the quarantine.
  EXPECT_NE(dora(h, mac(1)), a);
  EXPECT_NE(dora(h, mac(2)), a);
  auto direct = h.send(ClientPacket(MessageType::request, mac(3)).requested(a));
  EXPECT_EQ(direct.action, Action::naked);
  // Afterwards it is back in the pool.
  h.advance(11min);
  EXPECT_EQ(h.server.expire(h.now), 1u);
  EXPECT_FALSE(h.store.find_by_address(a));
}

TEST(DhcpServer, RelayedRequestsUseGiaddrAndEchoOption82) {
  auto cfg = basic_config();
  Subnet remote;
  remote.name = "remote";
  remote.network = ip("10.9.0.0");
  remote.prefix = 24;
  remote.pools.push_back({ip("10.9.0.50"), ip("10.9.0.60")});
  remote.options.push_back({option::router, {10, 9, 0, 1}});
  cfg.subnets.push_back(remote);
  Harness h(cfg);
  const std::vector<std::uint8_t> agent = {1, 4, 'e', 't', 'h', '7', 2, 2, 0xaa, 0xbb};
  auto out = h.send(ClientPacket(MessageType::discover, mac(1)).giaddr(ip("10.9.0.1")).opt(option::relay_agent_info, agent),
                    kServerPort, Endpoint{IpAddress::v4(ip("10.9.0.1")), 67});
  ASSERT_EQ(out.action, Action::offered) << out.reason;
  Packet o = reply_of(out);
  EXPECT_EQ(o.yiaddr, ip("10.9.0.50"));
  EXPECT_EQ(o.giaddr, ip("10.9.0.1"));
  EXPECT_EQ(o.options.get_ipv4(option::router), ip("10.9.0.1"));
  auto echoed = o.options.get(option::relay_agent_info);
  ASSERT_TRUE(echoed);
  EXPECT_TRUE(std::equal(echoed->begin(), echoed->end(), agent.begin(), agent.end()));
  EXPECT_EQ(out.reply->destination.kind, Destination::Kind::relay);
  EXPECT_EQ(out.reply->destination.to, (Endpoint{IpAddress::v4(ip("10.9.0.1")), 67}));

  auto ack = h.send(ClientPacket(MessageType::request, mac(1)).giaddr(ip("10.9.0.1")).server_id(ip("10.0.0.1"))
                        .requested(o.yiaddr).opt(option::relay_agent_info, agent));
  ASSERT_EQ(ack.action, Action::acked) << ack.reason;
  EXPECT_TRUE(reply_of(ack).options.has(option::relay_agent_info));
  // A NAK through a relay goes to the relay with the broadcast bit set.
  auto nak = h.send(ClientPacket(MessageType::request, mac(2)).giaddr(ip("10.9.0.1")).requested(ip("10.0.0.120")));
  ASSERT_EQ(nak.action, Action::naked);
  EXPECT_EQ(nak.reply->destination.kind, Destination::Kind::relay);
  EXPECT_TRUE(reply_of(nak).broadcast());
}

TEST(DhcpServer, Option118SelectsTheSubnet) {
  auto cfg = basic_config();
  Subnet other;
  other.name = "other";
  other.network = ip("10.5.0.0");
  other.prefix = 16;
  other.pools.push_back({ip("10.5.1.0"), ip("10.5.1.9")});
  cfg.subnets.push_back(other);
  Harness h(cfg);
  auto out = h.send(ClientPacket(MessageType::discover, mac(1)).giaddr(ip("10.0.0.254")).opt(option::subnet_selection, {10, 5, 0, 0}));
  ASSERT_EQ(out.action, Action::offered);
  EXPECT_EQ(reply_of(out).yiaddr, ip("10.5.1.0"));
}

TEST(DhcpServer, VlanPicksTheVlanSubnet) {
  auto cfg = basic_config();
  Subnet v100;
  v100.name = "vlan100";
  v100.network = ip("10.100.0.0");
  v100.prefix = 24;
  v100.vlan = 100;
  v100.pools.push_back({ip("10.100.0.10"), ip("10.100.0.20")});
  cfg.subnets.push_back(v100);
  Harness h(cfg);
  h.vlan = 100;
  auto out = h.send(ClientPacket(MessageType::discover, mac(1)));
  ASSERT_EQ(out.action, Action::offered);
  EXPECT_EQ(reply_of(out).yiaddr, ip("10.100.0.10"));
  EXPECT_EQ(out.reply->destination.vlan, 100);
  h.vlan = 200;
  EXPECT_EQ(h.send(ClientPacket(MessageType::discover, mac(2))).action, Action::ignored);
  // A client that moved from VLAN 100 to the untagged LAN gets a NAK when it rebinds.
  h.vlan.reset();
  EXPECT_EQ(h.send(ClientPacket(MessageType::request, mac(1)).requested(ip("10.100.0.10"))).action, Action::naked);
}

TEST(DhcpServer, ReservationsByMacAndClientId) {
  auto cfg = basic_config();
  Reservation by_mac;
  by_mac.hw = mac(5);
  by_mac.address = ip("10.0.0.5");
  by_mac.hostname = "printer";
  Reservation by_id;
  by_id.client_id = ClientId{"cid-7"};
  by_id.address = ip("10.0.0.7");
  cfg.subnets[0].reservations = {by_mac, by_id};
  Harness h(cfg);
  auto o = reply_of(h.send(ClientPacket(MessageType::discover, mac(5))));
  EXPECT_EQ(o.yiaddr, ip("10.0.0.5"));
  EXPECT_EQ(o.options.get_string(option::hostname), "printer");
  EXPECT_EQ(dora(h, mac(5)), ip("10.0.0.5"));
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(6)).client_id("cid-7"))).yiaddr, ip("10.0.0.7"));
  // A client with a reservation asking for another address is refused.
  EXPECT_EQ(h.send(ClientPacket(MessageType::request, mac(5)).requested(ip("10.0.0.150"))).action, Action::naked);
  // Nobody else gets a reserved address, even if it lies inside a pool.
  auto cfg2 = basic_config();
  Reservation in_pool;
  in_pool.hw = mac(42);
  in_pool.address = ip("10.0.0.100");
  cfg2.subnets[0].reservations = {in_pool};
  Harness h2(cfg2);
  EXPECT_EQ(dora(h2, mac(1)), ip("10.0.0.101"));
  EXPECT_EQ(h2.send(ClientPacket(MessageType::request, mac(2)).requested(ip("10.0.0.100"))).action, Action::naked);
}

TEST(DhcpServer, OneAddressPerClientPerSubnet) {
  // Found by fuzzing: a DHCP client whose option 61 equals another NIC's htype+chaddr got an offer,
  // then that NIC's BOOTP request bound its reservation under the same identity.
  auto cfg = basic_config();
  Reservation r;
  r.hw = mac(5);
  r.address = ip("10.0.0.5");
  cfg.subnets[0].reservations = {r};
  Harness h(cfg);
  const auto same_identity = ClientId::from_hw(mac(5)).bytes;
  auto offer = reply_of(h.send(ClientPacket(MessageType::discover, mac(9)).client_id(same_identity)));
  EXPECT_EQ(offer.yiaddr, ip("10.0.0.100"));
  ASSERT_EQ(h.send(ClientPacket::bootp(mac(5))).action, Action::bootp_reply);
  const auto held = h.store.find_by_client(ClientId::from_hw(mac(5)));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].address, ip("10.0.0.5"));
}

TEST(DhcpServer, BootpReservationAndDynamicBootp) {
  auto cfg = basic_config();
  Reservation r;
  r.hw = mac(5);
  r.address = ip("10.0.0.5");
  r.boot.file = "vmunix";
  cfg.subnets[0].reservations = {r};
  {
    Harness h(cfg);
    auto c = ClientPacket::bootp(mac(5));
    c.p.has_cookie = false;  // an RFC 951 client
    auto out = h.send(c);
    ASSERT_EQ(out.action, Action::bootp_reply) << out.reason;
    Packet p = reply_of(out);
    EXPECT_FALSE(p.message_type());
    EXPECT_EQ(p.yiaddr, ip("10.0.0.5"));
    EXPECT_EQ(p.file, "vmunix");
    EXPECT_EQ(p.siaddr, ip("10.0.0.1"));
    EXPECT_EQ(out.reply->payload.size(), kBootpMinSize);
    EXPECT_EQ(h.store.find_by_address(ip("10.0.0.5"))->expires, kNever);
    // Without a reservation and without dynamic BOOTP: no answer.
    EXPECT_EQ(h.send(ClientPacket::bootp(mac(6))).action, Action::ignored);
  }
  cfg.dynamic_bootp = true;
  Harness h(cfg);
  auto out = h.send(ClientPacket::bootp(mac(6)).broadcast());
  ASSERT_EQ(out.action, Action::bootp_reply) << out.reason;
  Packet p = reply_of(out);
  EXPECT_EQ(p.yiaddr, ip("10.0.0.100"));
  EXPECT_TRUE(p.has_cookie);
  EXPECT_EQ(p.options.get_ipv4(option::subnet_mask), ip("255.255.255.0"));  // RFC 1048 vendor area
  EXPECT_FALSE(p.options.has(option::message_type));
  EXPECT_LE(out.reply->payload.size(), kBootpMinSize);
  EXPECT_EQ(out.reply->destination.kind, Destination::Kind::broadcast);
  EXPECT_EQ(h.store.find_by_address(p.yiaddr)->state, LeaseState::bound);
}

TEST(DhcpServer, RepliesOverloadFileAndSnameWhenOptionsDoNotFit) {
  auto cfg = basic_config();
  for (std::uint8_t code = 224; code < 228; ++code) cfg.options.push_back({code, std::vector<std::uint8_t>(70, code)});
  Harness h(cfg);
  // No option 57: the reply must fit 548 bytes, so the big options spill into file/sname.
  auto out = h.send(ClientPacket(MessageType::discover, mac(1)).prl({1, 3, 6, 15, 224, 225, 226, 227}));
  ASSERT_TRUE(out.reply);
  EXPECT_LE(out.reply->payload.size(), kDefaultMaxMessage);
  Packet p = reply_of(out);
  EXPECT_TRUE(p.options.has(option::overload));
  for (std::uint8_t code = 224; code < 228; ++code) EXPECT_TRUE(p.options.has(code)) << int(code);
  // With a larger option 57 it all fits in the options field.
  auto big = h.send(ClientPacket(MessageType::discover, mac(2)).prl({1, 224, 225, 226, 227}).opt(option::max_message_size, {0x05, 0xc0}));
  Packet q = reply_of(big);
  EXPECT_FALSE(q.options.has(option::overload));
  EXPECT_GT(big.reply->payload.size(), kDefaultMaxMessage);
}

TEST(DhcpServer, OfferHoldUnderADiscoverStorm) {
  auto cfg = basic_config();
  cfg.subnets[0].pools = {{ip("10.0.0.100"), ip("10.0.0.149")}};  // 50 addresses
  Harness h(cfg);
  // 80 clients DISCOVER at the same instant: 50 offers, all distinct, then silence.
  std::set<Ipv4> offered;
  std::map<int, Ipv4> by_client;
  int silent = 0;
  for (int i = 0; i < 80; ++i) {
    auto out = h.send(ClientPacket(MessageType::discover, mac(static_cast<std::uint8_t>(i), 1), static_cast<std::uint32_t>(i)));
    if (!out.reply) {
      ++silent;
      continue;
    }
    const Ipv4 a = reply_of(out).yiaddr;
    EXPECT_TRUE(offered.insert(a).second) << "offered twice: " << to_string(a);
    by_client[i] = a;
  }
  EXPECT_EQ(offered.size(), 50u);
  EXPECT_EQ(silent, 30);
  // Retransmitted DISCOVERs get the same offer back, not a second address.
  EXPECT_EQ(reply_of(h.send(ClientPacket(MessageType::discover, mac(3, 1)))).yiaddr, by_client[3]);
  // Everyone requests what they were offered, in reverse order: every one is ACKed.
  for (auto it = by_client.rbegin(); it != by_client.rend(); ++it) {
    auto ack = h.send(ClientPacket(MessageType::request, mac(static_cast<std::uint8_t>(it->first), 1)).server_id(ip("10.0.0.1")).requested(it->second));
    EXPECT_EQ(ack.action, Action::acked) << ack.reason;
  }
  // A latecomer trying to grab a held address directly is refused.
  EXPECT_EQ(h.send(ClientPacket(MessageType::request, mac(200, 1)).requested(by_client[0])).action, Action::naked);
}

TEST(DhcpServer, UnclaimedOffersExpireAndAreReused) {
  auto cfg = basic_config();
  cfg.subnets[0].pools = {{ip("10.0.0.100"), ip("10.0.0.100")}};
  Harness h(cfg);
  auto first = reply_of(h.send(ClientPacket(MessageType::discover, mac(1))));
  EXPECT_EQ(h.send(ClientPacket(MessageType::discover, mac(2))).action, Action::ignored);  // pool held
  h.advance(61s);
  auto second = h.send(ClientPacket(MessageType::discover, mac(2)));
  ASSERT_EQ(second.action, Action::offered);
  EXPECT_EQ(reply_of(second).yiaddr, first.yiaddr);
}

TEST(DhcpServer, ExpiredLeasesAreReused) {
  auto cfg = basic_config();
  cfg.subnets[0].pools = {{ip("10.0.0.100"), ip("10.0.0.101")}};
  Harness h(cfg);
  const Ipv4 a = dora(h, mac(1));
  const Ipv4 b = dora(h, mac(2));
  EXPECT_NE(a, b);
  EXPECT_EQ(h.send(ClientPacket(MessageType::discover, mac(3))).action, Action::ignored);
  h.advance(2h);  // both leases lapse
  const Ipv4 c = dora(h, mac(3));
  EXPECT_TRUE(c == a || c == b);
  EXPECT_EQ(h.store.find_by_address(c)->client, ClientId::from_hw(mac(3)));
  // The old owner of the other address still gets its own back.
  EXPECT_EQ(dora(h, mac(2)) == b, c != b);
}

TEST(DhcpServer, LeaseTimeRequestsAreClamped) {
  auto cfg = basic_config();
  cfg.max_lease_time = 2h;
  Harness h(cfg);
  auto o = reply_of(h.send(ClientPacket(MessageType::discover, mac(1)).opt(option::lease_time, {0, 0x01, 0x51, 0x80})));
  EXPECT_EQ(o.options.get_u32(option::lease_time), 7200u);  // asked for a day
  auto s = reply_of(h.send(ClientPacket(MessageType::discover, mac(2)).opt(option::lease_time, {0, 0, 0, 5})));
  EXPECT_EQ(s.options.get_u32(option::lease_time), 120u);  // asked for 5 s
}

TEST(DhcpServer, MalformedAndStrayPacketsAreCountedNotAnswered) {
  Harness h(basic_config());
  std::vector<std::uint8_t> junk(100, 0xff);
  Received in;
  in.payload = junk;
  in.now = h.now;
  auto out = h.server.handle(in);
  EXPECT_EQ(out.action, Action::malformed);
  EXPECT_FALSE(out.reply);
  auto offer = ClientPacket(MessageType::offer, mac(1));  // a server message sent to us
  EXPECT_EQ(h.send(offer).action, Action::ignored);
  auto reply = ClientPacket(MessageType::discover, mac(1));
  reply.p.op = Op::reply;
  EXPECT_EQ(h.send(reply).action, Action::ignored);
}

}  // namespace
}  // namespace bootgate::dhcp

namespace bootgate::dhcp {
namespace {

using namespace testing;

TEST(DhcpServer, OutcomeNamesSubnetAndBootFileForLogsAndHooks) {
  BootConfig boot;
  boot.fallback = BootTarget{"pxelinux.0", 0, ""};
  Harness h(basic_config(), boot);
  auto o = h.send(ClientPacket(MessageType::discover, mac(1)));
  ASSERT_EQ(o.action, Action::offered);
  EXPECT_EQ(o.subnet, "lan");
  ASSERT_TRUE(o.reply);
  EXPECT_EQ(o.reply->boot_file, "pxelinux.0");
  EXPECT_EQ(o.reply->boot_rule, "default");
  h.vlan = 77;  // no subnet for this VLAN
  auto none = h.send(ClientPacket(MessageType::discover, mac(2)));
  EXPECT_EQ(none.action, Action::ignored);
  EXPECT_EQ(none.subnet, "");
}

// A boot policy (as a plugin would be) that names a hostname: it goes out as option 12 when the
// client has no reservation hostname.
struct HostnamePolicy final : BootPolicy {
  std::optional<BootDecision> decide(const BootRequest&) const override {
    return BootDecision{BootTarget{"node.efi", 0, ""}, "plugin test", "node7"};
  }
};

TEST(DhcpServer, BootPolicyHostnameBecomesOption12) {
  MemoryLeaseStore store;
  HostnamePolicy policy;
  Server server(basic_config(), store, policy);
  const auto bytes = ClientPacket(MessageType::discover, mac(3)).bytes();
  Received in;
  in.payload = bytes;
  in.source = Endpoint{IpAddress::v4(0u), kClientPort};
  in.local = IpAddress::v4(ip("10.0.0.1"));
  in.now = TimePoint{std::chrono::hours(1)};
  auto o = server.handle(in);
  ASSERT_TRUE(o.reply);
  const auto p = reply_of(o);
  EXPECT_EQ(p.file, "node.efi");
  EXPECT_EQ(p.options.get_string(option::hostname), "node7");
}

TEST(DhcpServer, ChainAsksPoliciesInOrder) {
  BootConfig rules;
  rules.fallback = BootTarget{"default.efi", 0, ""};
  auto chain = ChainBootPolicy({std::make_shared<HostnamePolicy>(), std::make_shared<RuleBootPolicy>(rules)});
  BootRequest r;
  EXPECT_EQ(chain.decide(r)->target.file, "node.efi");
  auto rules_only = ChainBootPolicy({std::make_shared<RuleBootPolicy>(rules)});
  EXPECT_EQ(rules_only.decide(r)->target.file, "default.efi");
  EXPECT_FALSE(ChainBootPolicy({}).decide(r));
}

}  // namespace
}  // namespace bootgate::dhcp
