#pragma once
// One AF_PACKET socket bound to one interface, seeing only IPv4/UDP frames to the DHCP server
// ports (a classic BPF filter in the kernel, tagged or not). It receives whole frames with the
// 802.1Q VLAN the kernel stripped into metadata (PACKET_AUXDATA), and sends whole frames: that is
// how a reply reaches a client with no address yet (broadcast, or unicast to chaddr without ARP),
// tagged with the client's VLAN.
//
// Frames arrive through a TPACKET_V3 ring: the kernel fills blocks of frames and wakes us when a
// block is full or kRingTimeout has passed, so a steady stream costs one wakeup per block instead
// of one per frame, and no system call per frame. Where the ring cannot be set up, recvmsg().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/common/unique_fd.hpp"
#include "net/frame.hpp"

namespace bootgate::net {

struct InterfaceInfo {
  std::string name;
  int ifindex = 0;
  MacAddress mac{};
  std::vector<std::uint32_t> ipv4;  // host byte order, first is the primary
};

// Throws std::runtime_error with one line when the interface does not exist or has no MAC.
InterfaceInfo interface_info(const std::string& name);

struct RxFrame {
  std::span<const std::uint8_t> bytes;  // into the caller's buffer
  std::optional<std::uint16_t> vlan;    // from the kernel's metadata (the frame has no tag then)
  bool checksum_known = false;          // the kernel verified it, or it is not filled in yet (offload)
};

class DhcpPacketSocket {
 public:
  // Non-blocking; accepts UDP frames to any of `ports`. Throws std::system_error (e.g. EPERM
  // without CAP_NET_RAW).
  DhcpPacketSocket(const InterfaceInfo& iface, std::span<const std::uint16_t> ports);

  ~DhcpPacketSocket();
  DhcpPacketSocket(const DhcpPacketSocket&) = delete;
  DhcpPacketSocket& operator=(const DhcpPacketSocket&) = delete;

  int fd() const { return fd_.get(); }
  int ifindex() const { return ifindex_; }
  bool ring() const { return ring_ != nullptr; }
  // One frame, or nullopt when none is waiting (EAGAIN) or on a transient error. The bytes stay
  // valid until the next call (they may point into the ring, or into `buffer`).
  std::optional<RxFrame> receive(std::vector<std::uint8_t>& buffer);
  // Frames the kernel dropped because the ring (or queue) was full, since the last call.
  std::uint64_t take_kernel_drops();
  // Sends a whole Ethernet frame; false (with errno) when the kernel refused it.
  bool send(std::span<const std::uint8_t> frame, const MacAddress& dst);

  static constexpr std::size_t kBlockSize = 1 << 18;  // 256 KiB: hundreds of DHCP frames
  static constexpr std::size_t kBlocks = 16;          // 4 MiB, as the socket buffer it replaces
  static constexpr std::chrono::milliseconds kRingTimeout{2};  // the most a lone frame waits

 private:
  bool map_ring();
  std::optional<RxFrame> next_from_ring();
  std::optional<RxFrame> receive_one(std::vector<std::uint8_t>& buffer);

  UniqueFd fd_;
  int ifindex_ = 0;
  std::uint8_t* ring_ = nullptr;  // kBlocks * kBlockSize, unmapped by the destructor
  std::size_t block_ = 0;         // the block we read (or wait for) next
  std::uint32_t left_ = 0;        // frames of block_ not yet returned
  std::uint8_t* frame_ = nullptr;  // the next of them
};

// The classic BPF program: accept IPv4 UDP (not a fragment) to one of `ports`, with or without
// one in-frame 802.1Q tag. Exposed for tests.
struct SockFilterInsn {
  std::uint16_t code;
  std::uint8_t jt;
  std::uint8_t jf;
  std::uint32_t k;
};
std::vector<SockFilterInsn> dhcp_port_filter(std::span<const std::uint16_t> ports);

// A UDP socket that drops everything it receives in the kernel (a "ret 0" filter). Bound to a
// server port it keeps the kernel from answering DHCP traffic to our address with ICMP port
// unreachable, and it sends replies to relay agents through the routing table.
UniqueFd open_udp_sender(std::uint16_t port);

}  // namespace bootgate::net
