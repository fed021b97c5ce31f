// The packet socket's classic BPF filter, run by the kernel: attached to one end of a datagram
// socketpair (socket filters work on AF_UNIX too), crafted frames either arrive or do not.
#include <linux/filter.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <vector>

#include "core/common/unique_fd.hpp"
#include "net/dhcp_packet_socket.hpp"
#include "net/frame.hpp"

namespace bootgate::net {
namespace {

class FilterTest : public ::testing::Test {
 protected:
  void attach(std::vector<std::uint16_t> ports) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
    tx_.reset(fds[0]);
    rx_.reset(fds[1]);
    const auto insns = dhcp_port_filter(ports);
    std::vector<sock_filter> code;
    for (const auto& i : insns) code.push_back(sock_filter{i.code, i.jt, i.jf, i.k});
    sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
    ASSERT_EQ(::setsockopt(rx_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog), 0);
  }
  bool passes(const std::vector<std::uint8_t>& frame) {
    EXPECT_EQ(::send(tx_.get(), frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
    std::uint8_t buf[2048];
    return ::recv(rx_.get(), buf, sizeof buf, 0) > 0;
  }
  static std::vector<std::uint8_t> frame(std::uint16_t dst_port, std::optional<std::uint16_t> vlan = std::nullopt) {
    static const std::vector<std::uint8_t> payload(300, 0);
    UdpFrame f;
    f.dst_mac = kBroadcastMac;
    f.src_ip = 0;
    f.dst_ip = 0xffffffff;
    f.src_port = 68;
    f.dst_port = dst_port;
    f.vlan = vlan;
    f.payload = payload;
    std::vector<std::uint8_t> out;
    build_udp_frame(f, out);
    return out;
  }

  UniqueFd tx_, rx_;
};

TEST_F(FilterTest, AcceptsOnlyTheServerPorts) {
  attach({67});
  EXPECT_TRUE(passes(frame(67)));
  EXPECT_FALSE(passes(frame(68)));    // our own replies, another server's replies
  EXPECT_FALSE(passes(frame(4011)));  // not in proxy mode
  EXPECT_FALSE(passes(frame(53)));
}

TEST_F(FilterTest, ProxyModeAddsPort4011) {
  attach({67, 4011});
  EXPECT_TRUE(passes(frame(67)));
  EXPECT_TRUE(passes(frame(4011)));
  EXPECT_FALSE(passes(frame(69)));
}

TEST_F(FilterTest, SeesThroughOneVlanTag) {
  attach({67});
  EXPECT_TRUE(passes(frame(67, 100)));
  EXPECT_FALSE(passes(frame(68, 100)));
}

TEST_F(FilterTest, DropsOtherProtocolsAndFragments) {
  attach({67});
  auto tcp = frame(67);
  tcp[23] = 6;
  EXPECT_FALSE(passes(tcp));
  auto arp = frame(67);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_FALSE(passes(arp));
  auto later_fragment = frame(67);
  later_fragment[21] = 0x10;  // fragment offset: the UDP header is not here
  EXPECT_FALSE(passes(later_fragment));
  // A longer IP header (options) moves the UDP header: the filter follows the IHL.
  auto with_options = frame(67);
  with_options.insert(with_options.begin() + 34, {1, 1, 1, 1});  // four NOPs
  with_options[14] = 0x46;
  EXPECT_TRUE(passes(with_options));
  EXPECT_FALSE(passes({0x01, 0x02}));  // runt
}

}  // namespace
}  // namespace bootgate::net
