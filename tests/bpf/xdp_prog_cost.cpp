// Per-packet cost of each path of the XDP program, measured by the kernel through
// BPF_PROG_TEST_RUN (repeat N, average duration). Budget: <= 100 ns per packet.
// Usage: xdp_prog_cost [repeat]   (root). Always exits 0 after printing; the table says if over budget.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/xdp_config.hpp"
#include "core/common/unique_fd.hpp"
#include "frame_builder.hpp"
#include "xdp/xdp_loader.hpp"

using namespace bootgate;
using xdp::test::Frame;

namespace {

constexpr const char* kPolicy = R"(
local_addresses: [10.0.0.1]
tftp_transfer_ports: 50000-50099
interfaces:
  - name: lo
    vlans:
      - {vlan: untagged, prefixes: [10.0.0.0/24, 10.1.0.0/16, 10.2.0.0/16, 192.168.0.0/16]}
      - {vlan: "100.20", prefixes: [10.20.0.0/16]}
rate: {requests_per_second: 1, burst: 1, transfer_packets_per_second: 0, global_requests_per_second: 0}
)";

struct Path {
  const char* name;
  Frame frame;
};

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "xdp_prog_cost: needs root (CAP_BPF)\n");
    return 77;
  }
  const int repeat = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const auto section = config::parse_xdp(config::load_text(kPolicy, "bench.yaml"));
  xdp::XdpLoader loader(section, xdp::LoaderOptions{false});

  const Path paths[] = {
      {"pass: ARP", Frame().ethertype(0x0806).raw_l3(Frame::arp_request())},
      {"pass: TCP/22 to us", Frame().ipv4("10.0.0.5", "10.0.0.1").tcp(40000, 22)},
      {"pass: UDP/53 to us", Frame().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 53).payload({1, 2, 3, 4})},
      {"admit: ACK in transfer (no limit)", Frame().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 50001).tftp_ack(1)},
      {"drop: rate, QinQ (bucket empty)", Frame().vlan(100, 0x88a8).vlan(20).ipv4("10.20.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq()},
      {"drop: rate (bucket empty)", Frame().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq()},
      {"drop: VLAN not allowed", Frame().vlan(11).ipv4("10.11.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq()},
      {"drop: prefix not allowed", Frame().ipv4("172.16.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq()},
      {"drop: bad opcode", Frame().ipv4("10.0.0.5", "10.0.0.1").udp(40000, 69).tftp(9)},
      {"drop: fragment", Frame().ipv4("10.0.0.5", "10.0.0.1").fragment(true, 0).udp(40000, 69).tftp_rrq()},
  };

  // The harness itself (frame setup per repeat) costs tens of ns here: measure an empty program
  // (r0 = XDP_PASS; exit) on the same frame and report the program's own cost as the difference.
  const bpf_insn empty[] = {{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  UniqueFd empty_fd(bpf_prog_load(BPF_PROG_TYPE_XDP, "bg_empty", "GPL", empty, 2, nullptr));
  if (!empty_fd) {
    std::fprintf(stderr, "cannot load the empty baseline program\n");
    return 1;
  }
  auto measure = [&](int prog_fd, const std::vector<std::uint8_t>& bytes, std::uint32_t& retval) -> long {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bytes.data(), .data_size_in = static_cast<std::uint32_t>(bytes.size()),
                .repeat = repeat);
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) return -1;
    retval = opts.retval;
    return opts.duration;
  };

  std::printf("%-36s %8s %8s %8s\n", "path", "total", "program", "verdict");
  bool over = false;
  for (const auto& p : paths) {
    const auto bytes = p.frame.bytes();
    std::uint32_t retval = 0, ignored = 0;
    const long base = measure(empty_fd.get(), bytes, ignored);
    const long total = measure(loader.program_fd(), bytes, retval);
    if (base < 0 || total < 0) {
      std::fprintf(stderr, "%s: bpf_prog_test_run_opts failed\n", p.name);
      return 1;
    }
    const char* verdict = retval == XDP_PASS ? "PASS" : retval == XDP_DROP ? "DROP" : "other";
    std::printf("%-36s %8ld %8ld %8s\n", p.name, total, total - base, verdict);
    over = over || total - base > 100;
  }
  std::printf("ns per packet, average of %d runs; 'program' = total - empty program\n", repeat);
  std::printf("budget 100 ns/packet (program): %s\n", over ? "EXCEEDED" : "ok");
  return 0;  // a report, not a gate: the figures move with the machine's load
}
