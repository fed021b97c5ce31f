#include "net/dhcp_packet_socket.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

#include "net/socket_util.hpp"

namespace bootgate::net {
namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// A tiny assembler for forward jumps by label, so the filter reads like bpf_asm source.
class FilterBuilder {
 public:
  void stmt(std::uint16_t code, std::uint32_t k) { code_.push_back({code, 0, 0, k}); }
  // An empty label means "the next instruction".
  void jump(std::uint16_t code, std::uint32_t k, const std::string& jt, const std::string& jf) {
    fixups_.push_back({code_.size(), jt, jf});
    code_.push_back({code, 0, 0, k});
  }
  void ja(const std::string& target) {
    always_.push_back({code_.size(), target, ""});
    code_.push_back({BPF_JMP | BPF_JA, 0, 0, 0});
  }
  void label(const std::string& name) { labels_[name] = code_.size(); }
  std::vector<SockFilterInsn> finish() {
    for (const auto& f : always_) code_[f.at].k = static_cast<std::uint32_t>(labels_.at(f.jt) - f.at - 1);
    for (const auto& f : fixups_) {
      auto offset = [&](const std::string& l) -> std::uint8_t {
        if (l.empty()) return 0;
        return static_cast<std::uint8_t>(labels_.at(l) - f.at - 1);
      };
      code_[f.at].jt = offset(f.jt);
      code_[f.at].jf = offset(f.jf);
    }
    return code_;
  }

 private:
  struct Fixup {
    std::size_t at;
    std::string jt, jf;
  };
  std::vector<SockFilterInsn> code_;
  std::vector<Fixup> fixups_;
  std::vector<Fixup> always_;
  std::map<std::string, std::size_t> labels_;
};

// IPv4/UDP checks for a frame whose IP header starts at `l3`.
void emit_ipv4_udp(FilterBuilder& b, std::uint32_t l3, std::span<const std::uint16_t> ports) {
  b.jump(BPF_JMP | BPF_JEQ | BPF_K, kEtherTypeIpv4, "", "drop");  // A holds the EtherType
  b.stmt(BPF_LD | BPF_B | BPF_ABS, l3 + 9);                        // protocol
  b.jump(BPF_JMP | BPF_JEQ | BPF_K, 17, "", "drop");
  b.stmt(BPF_LD | BPF_H | BPF_ABS, l3 + 6);  // flags + fragment offset
  b.jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, "drop", "");
  b.stmt(BPF_LDX | BPF_B | BPF_MSH, l3);       // X = IP header length
  b.stmt(BPF_LD | BPF_H | BPF_IND, l3 + 2);    // UDP destination port
  for (auto port : ports) b.jump(BPF_JMP | BPF_JEQ | BPF_K, port, "accept", "");
  b.ja("drop");
}

}  // namespace

std::vector<SockFilterInsn> dhcp_port_filter(std::span<const std::uint16_t> ports) {
  FilterBuilder b;
  b.stmt(BPF_LD | BPF_H | BPF_ABS, 12);
  b.jump(BPF_JMP | BPF_JEQ | BPF_K, kEtherTypeVlan, "tagged", "");
  emit_ipv4_udp(b, kEthernetHeader, ports);
  b.label("tagged");
  b.stmt(BPF_LD | BPF_H | BPF_ABS, 16);
  emit_ipv4_udp(b, kEthernetHeader + kVlanTag, ports);
  b.label("drop");
  b.stmt(BPF_RET | BPF_K, 0);
  b.label("accept");
  b.stmt(BPF_RET | BPF_K, 0x40000);  // the whole frame
  return b.finish();
}

InterfaceInfo interface_info(const std::string& name) {
  InterfaceInfo info;
  info.name = name;
  info.ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
  if (info.ifindex == 0) throw std::runtime_error("dhcp: interface '" + name + "' does not exist");
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (!fd || ::ioctl(fd.get(), SIOCGIFHWADDR, &req) != 0)
    throw std::runtime_error("dhcp: cannot read the MAC address of '" + name + "': " + std::strerror(errno));
  std::memcpy(info.mac.data(), req.ifr_hwaddr.sa_data, 6);

  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (auto* a = list; a; a = a->ifa_next)
      if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && name == a->ifa_name)
        info.ipv4.push_back(ntohl(reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr));
    ::freeifaddrs(list);
  }
  return info;
}

DhcpPacketSocket::DhcpPacketSocket(const InterfaceInfo& iface, std::span<const std::uint16_t> ports)
    : ifindex_(iface.ifindex) {
  fd_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!fd_) throw_errno("dhcp: cannot open a packet socket on " + iface.name + " (needs root or CAP_NET_RAW)");

  // Filter before bind, so no unrelated frame is ever queued.
  auto insns = dhcp_port_filter(ports);
  std::vector<sock_filter> code;
  for (const auto& i : insns) code.push_back(sock_filter{i.code, i.jt, i.jf, i.k});
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
    throw_errno("dhcp: cannot attach the socket filter on " + iface.name);
  const int one = 1;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0)
    throw_errno("dhcp: PACKET_AUXDATA on " + iface.name);
  // Our own transmissions would otherwise come back (relay replies go to port 67).
  ::setsockopt(fd_.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  const int rcvbuf = 4 << 20;  // a boot storm arrives at once
  ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = ifindex_;
  // Before bind: frames queued before the ring would be left behind in the old queue.
  if (!map_ring())
    spdlog::warn("dhcp: {}: no TPACKET_V3 receive ring ({}); receiving frame by frame", iface.name, std::strerror(errno));
  if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("dhcp: cannot bind a packet socket to " + iface.name);
}

DhcpPacketSocket::~DhcpPacketSocket() {
  if (ring_) ::munmap(ring_, kBlocks * kBlockSize);
}

bool DhcpPacketSocket::map_ring() {
  const int version = TPACKET_V3;
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) return false;
  tpacket_req3 req{};
  req.tp_block_size = kBlockSize;
  req.tp_block_nr = kBlocks;
  req.tp_frame_size = 2048;  // V3 packs frames by their real size; the kernel only checks this
  req.tp_frame_nr = kBlockSize / req.tp_frame_size * kBlocks;
  req.tp_retire_blk_tov = static_cast<unsigned>(kRingTimeout.count());
  if (::setsockopt(fd_.get(), SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
    const int v1 = TPACKET_V1;  // back to plain recvmsg
    ::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &v1, sizeof v1);
    return false;
  }
  void* mem = ::mmap(nullptr, kBlocks * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd_.get(), 0);
  if (mem == MAP_FAILED)  // MAP_LOCKED may exceed RLIMIT_MEMLOCK: then without it
    mem = ::mmap(nullptr, kBlocks * kBlockSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (mem == MAP_FAILED) {  // take the ring down again: with one set up, recvmsg would never see a frame
    tpacket_req3 none{};
    ::setsockopt(fd_.get(), SOL_PACKET, PACKET_RX_RING, &none, sizeof none);
    const int v1 = TPACKET_V1;
    ::setsockopt(fd_.get(), SOL_PACKET, PACKET_VERSION, &v1, sizeof v1);
    return false;
  }
  ring_ = static_cast<std::uint8_t*>(mem);
  return true;
}

std::uint64_t DhcpPacketSocket::take_kernel_drops() {
  tpacket_stats_v3 st{};  // the V3 layout starts like the plain one; reading resets the counters
  socklen_t len = ring_ ? sizeof st : sizeof(tpacket_stats);
  if (::getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) return 0;
  return st.tp_drops;
}

std::optional<RxFrame> DhcpPacketSocket::receive(std::vector<std::uint8_t>& buffer) {
  return ring_ ? next_from_ring() : receive_one(buffer);
}

std::optional<RxFrame> DhcpPacketSocket::next_from_ring() {
  for (;;) {
    auto* block = reinterpret_cast<tpacket_block_desc*>(ring_ + block_ * kBlockSize);
    auto& h = block->hdr.bh1;
    if (left_ == 0) {
      if (frame_) {  // every frame of this block was returned: give it back, go to the next one
        __atomic_store_n(&h.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        block_ = (block_ + 1) % kBlocks;
        frame_ = nullptr;
        continue;
      }
      if ((__atomic_load_n(&h.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) return std::nullopt;
      left_ = h.num_pkts;
      frame_ = reinterpret_cast<std::uint8_t*>(block) + h.offset_to_first_pkt;
      if (left_ == 0) continue;  // an empty retired block: hand it back
    }
    const auto* f = reinterpret_cast<const tpacket3_hdr*>(frame_);
    --left_;
    frame_ += f->tp_next_offset;
    if (f->tp_snaplen < f->tp_len) continue;  // truncated: larger than any DHCP frame we serve
    const auto* ll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const std::uint8_t*>(f) +
                                                          TPACKET_ALIGN(sizeof(tpacket3_hdr)));
    if (ll->sll_pkttype == PACKET_OUTGOING) continue;
    RxFrame rx{std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(f) + f->tp_mac, f->tp_snaplen),
               std::nullopt};
    rx.checksum_known = (f->tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
    // VLAN id 0 is a priority tag only: the frame belongs to the untagged network.
    if ((f->tp_status & TP_STATUS_VLAN_VALID) && (f->hv1.tp_vlan_tci & 0x0fff) != 0)
      rx.vlan = static_cast<std::uint16_t>(f->hv1.tp_vlan_tci & 0x0fff);
    return rx;
  }
}

std::optional<RxFrame> DhcpPacketSocket::receive_one(std::vector<std::uint8_t>& buffer) {
  buffer.resize(65536);
  sockaddr_ll from{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  for (;;) {
    const auto n = ::recvmsg(fd_.get(), &msg, MSG_TRUNC);
    if (n < 0) return std::nullopt;  // EAGAIN, or an error the next wakeup will see again
    if (from.sll_pkttype == PACKET_OUTGOING || static_cast<std::size_t>(n) > buffer.size()) {
      msg.msg_controllen = sizeof control;
      continue;
    }
    RxFrame rx{std::span(buffer.data(), static_cast<std::size_t>(n)), std::nullopt};
    for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      // VLAN id 0 is a priority tag only: the frame belongs to the untagged network.
      rx.checksum_known = (aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
      if ((aux.tp_status & TP_STATUS_VLAN_VALID) && (aux.tp_vlan_tci & 0x0fff) != 0)
        rx.vlan = static_cast<std::uint16_t>(aux.tp_vlan_tci & 0x0fff);
    }
    return rx;
  }
}

bool DhcpPacketSocket::send(std::span<const std::uint8_t> frame, const MacAddress& dst) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, dst.data(), 6);
  return ::sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
         static_cast<ssize_t>(frame.size());
}

UniqueFd open_udp_sender(std::uint16_t port) {
  UdpSocketOptions opts;
  opts.reuse_addr = true;
  auto fd = open_udp(Endpoint{IpAddress::v4(0u), port}, opts);
  sock_filter drop_all{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog prog{1, &drop_all};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
    throw_errno("dhcp: cannot attach a filter to the UDP socket on port " + std::to_string(port));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  return fd;
}

}  // namespace bootgate::net
