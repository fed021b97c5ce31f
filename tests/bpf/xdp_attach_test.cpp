// The loader on a real (virtual) interface: attach to a veth in a private network namespace, send
// frames through the peer with a packet socket, and read the counters from the pinned maps in a
// DIFFERENT process. Also: a stale bootgate program from a "crashed" run is replaced, a foreign XDP
// program is refused. The namespace is anonymous (unshare in a forked child), so it disappears with
// the child even if the test fails; pins are removed by the parent in every case.
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "bpf_test_support.hpp"

namespace bootgate::xdp::test {
namespace {

std::string pin_dir_for(const char* what) {
  return "/sys/fs/bpf/bootgate-test-" + std::to_string(getpid()) + "-" + what;
}

std::string policy(const std::string& pin_dir) {
  return R"(
mode: required
local_addresses: [10.0.0.1]
interfaces: [{name: bgs, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}, {vlan: 10, prefixes: [10.10.0.0/16]}]}]
rate: {requests_per_second: 0, transfer_packets_per_second: 0, global_requests_per_second: 0}
pin_dir: )" + pin_dir + "\n";
}

// In the child: a failed check ends the child with a message; the parent reports it.
#define CHILD_CHECK(cond, msg)                                        \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "child: %s (%s)\n", msg, #cond);           \
      std::_Exit(1);                                                  \
    }                                                                 \
  } while (0)

void make_veth() {
  CHILD_CHECK(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET)");
  CHILD_CHECK(std::system("ip link add bgc type veth peer name bgs && ip link set bgc up && ip link set bgs up") == 0,
              "create veth pair");
}

void send_frame(const std::vector<std::uint8_t>& frame) {
  UniqueFd s(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  CHILD_CHECK(s.valid(), "packet socket");
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(if_nametoindex("bgc"));
  to.sll_halen = 6;
  CHILD_CHECK(sendto(s.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
                  static_cast<ssize_t>(frame.size()),
              "sendto");
}

// Waits (bounded) until `done` holds; veth delivery is asynchronous (NAPI).
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// Runs `body` in a forked child; returns its exit status. `body` may write one byte to `ready_fd`
// and then waits for the parent to write one byte back before exiting.
struct Child {
  pid_t pid = -1;
  int to_parent = -1, from_parent = -1;
};

class XdpAttachTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF, CAP_NET_ADMIN)";
    if (std::system("ip link help >/dev/null 2>&1") != 0 && std::system("command -v ip >/dev/null") != 0)
      GTEST_SKIP() << "needs iproute2";
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    for (const auto& dir : pins_) std::filesystem::remove_all(dir, ec);
  }

  // Forks; the child runs `body(to_parent, from_parent)` and exits 0 unless a CHILD_CHECK fails.
  void fork_child(const std::function<void(int, int)>& body) {
    int up[2], down[2];
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      close(up[0]);
      close(down[1]);
      try {
        body(up[1], down[0]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        std::_Exit(1);
      }
      std::_Exit(0);
    }
    close(up[1]);
    close(down[0]);
    from_child_ = UniqueFd(up[0]);
    to_child_ = UniqueFd(down[1]);
  }

  bool wait_for_child_signal() {
    pollfd p{from_child_.get(), POLLIN, 0};
    if (poll(&p, 1, 20'000) != 1) return false;
    char c = 0;
    return read(from_child_.get(), &c, 1) == 1;
  }
  void release_child() {
    const char c = 1;
    [[maybe_unused]] auto n = write(to_child_.get(), &c, 1);
  }
  int join_child() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  UniqueFd from_child_, to_child_;
  std::vector<std::string> pins_;
};

TEST_F(XdpAttachTest, NativeOnVethCountsFramesReadableFromAnotherProcess) {
  const auto pin_dir = pin_dir_for("stats");
  pins_.push_back(pin_dir);
  fork_child([&](int up, int down) {
    make_veth();
    XdpLoader loader(section_from_yaml(policy(pin_dir)));
    const auto results = loader.attach_all(section_from_yaml(policy(pin_dir)));
    CHILD_CHECK(results.size() == 1 && results[0].mode == AttachMode::native, "native attach on veth");
    const Mac bgs_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    for (int i = 0; i < 3; ++i) send_frame(Frame().dst_mac(bgs_mac).ipv4("10.0.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq().bytes());
    for (int i = 0; i < 2; ++i)
      send_frame(Frame().dst_mac(bgs_mac).vlan(11).ipv4("10.11.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq().bytes());
    send_frame(Frame().dst_mac(bgs_mac).vlan(10).ipv4("10.10.0.5", "10.0.0.1").udp(40000, 69).tftp_rrq().bytes());
    CHILD_CHECK(eventually([&] {
                  const auto s = loader.stats();
                  return s.verdict[BG_VERDICT_ADMIT_PASS] >= 4 && s.drop[BG_DROP_VLAN] >= 2;
                }),
                "frames reached the XDP program");
    const char c = 1;
    CHILD_CHECK(write(up, &c, 1) == 1, "signal parent");
    char r = 0;
    CHILD_CHECK(read(down, &r, 1) == 1, "wait for parent");
  });
  ASSERT_TRUE(wait_for_child_signal()) << "child did not get ready";

  // This process never loaded anything: it reads the pinned maps, as `bootgate stats` will.
  const auto s = StatsReader::open_pinned(pin_dir).read();
  EXPECT_EQ(s.verdict[BG_VERDICT_ADMIT_PASS], 4u);
  EXPECT_EQ(s.drop[BG_DROP_VLAN], 2u);
  EXPECT_EQ(s.admit[BG_CLASS_TFTP_REQUEST], 4u);
  ASSERT_GE(s.vlans.size(), 2u);
  EXPECT_NE(format_stats(s).find("drop.vlan"), std::string::npos);

  release_child();
  EXPECT_EQ(join_child(), 0);
  // The loader's destructor unpinned everything.
  EXPECT_FALSE(std::filesystem::exists(pin_dir));
}

TEST_F(XdpAttachTest, StaleProgramIsReplacedAndForeignProgramRefused) {
  const auto pin_dir = pin_dir_for("stale");
  pins_.push_back(pin_dir);
  fork_child([&](int, int) {
    make_veth();
    const auto section = section_from_yaml(policy(pin_dir));
    const unsigned ifindex = if_nametoindex("bgs");

    // A "crashed" run: a grandchild attaches and dies without cleaning up.
    const pid_t crashed = fork();
    CHILD_CHECK(crashed >= 0, "fork");
    if (crashed == 0) {
      auto loader = std::make_unique<XdpLoader>(section);
      loader->attach("bgs");
      std::_Exit(0);  // no destructors run: that is the crash
    }
    int status = 0;
    waitpid(crashed, &status, 0);
    CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "crashed run attached");
    LIBBPF_OPTS(bpf_xdp_query_opts, before);
    CHILD_CHECK(bpf_xdp_query(static_cast<int>(ifindex), 0, &before) == 0 && before.drv_prog_id != 0, "stale attached");

    {
      XdpLoader loader(section);  // replaces the crashed run's pins too
      const auto r = loader.attach("bgs");
      CHILD_CHECK(r.replaced_stale, "stale program replaced");
      LIBBPF_OPTS(bpf_xdp_query_opts, after);
      CHILD_CHECK(bpf_xdp_query(static_cast<int>(ifindex), 0, &after) == 0, "query");
      CHILD_CHECK(after.drv_prog_id != 0 && after.drv_prog_id != before.drv_prog_id, "new program attached");
      CHILD_CHECK(after.skb_prog_id == 0, "nothing stacked in generic mode");
    }
    LIBBPF_OPTS(bpf_xdp_query_opts, gone);
    CHILD_CHECK(bpf_xdp_query(static_cast<int>(ifindex), 0, &gone) == 0 && gone.prog_id == 0, "detached on destruction");

    // A foreign program: r0 = XDP_PASS; exit.
    const bpf_insn insns[] = {{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
    UniqueFd foreign(bpf_prog_load(BPF_PROG_TYPE_XDP, "other_xdp", "GPL", insns, 2, nullptr));
    CHILD_CHECK(foreign.valid(), "load foreign program");
    CHILD_CHECK(bpf_xdp_attach(static_cast<int>(ifindex), foreign.get(), XDP_FLAGS_DRV_MODE, nullptr) == 0,
                "attach foreign program");
    XdpLoader loader(section);
    bool refused = false;
    try {
      loader.attach("bgs");
    } catch (const XdpError& e) {
      refused = e.failure() == XdpFailure::conflict && std::string(e.what()).find("other_xdp") != std::string::npos;
    }
    CHILD_CHECK(refused, "foreign program refused with a conflict error naming it");
  });
  EXPECT_EQ(join_child(), 0);
  EXPECT_FALSE(std::filesystem::exists(pin_dir));
}

TEST_F(XdpAttachTest, WithoutPrivilegesTheErrorIsOneClearLine) {
  fork_child([&](int, int) {
    CHILD_CHECK(setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0, "drop privileges");
    try {
      XdpLoader loader(section_from_yaml(policy(pin_dir_for("unpriv"))), LoaderOptions{false});
    } catch (const XdpError& e) {
      const std::string what = e.what();
      CHILD_CHECK(e.failure() == XdpFailure::not_privileged, "classified as not_privileged");
      CHILD_CHECK(what.find("needs root or CAP_BPF") != std::string::npos, "says what is missing");
      CHILD_CHECK(what.find('\n') == std::string::npos, "one line");
      std::_Exit(0);
    }
    CHILD_CHECK(false, "loading without privileges must fail");
  });
  EXPECT_EQ(join_child(), 0);
}

TEST_F(XdpAttachTest, OptionalModeRunsUnprotectedWhenInterfaceIsMissing) {
  auto section = section_from_yaml(R"(
mode: optional
interfaces: [{name: bg-missing0, vlans: [{vlan: untagged, prefixes: [10.0.0.0/24]}]}]
)");
  std::vector<std::string> log;
  // Interface resolution happens while the policy is compiled, before anything is attached or pinned.
  auto loader = start_xdp(section, [&](const std::string& line) { log.push_back(line); }, LoaderOptions{false});
  EXPECT_EQ(loader, nullptr);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("interface 'bg-missing0' does not exist"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("running without XDP protection"), std::string::npos) << log[0];

  section.mode = config::XdpMode::required;
  EXPECT_THROW(start_xdp(section, [](const std::string&) {}, LoaderOptions{false}), XdpError);
  section.mode = config::XdpMode::off;
  EXPECT_EQ(start_xdp(section, [](const std::string&) {}, LoaderOptions{false}), nullptr);
}

}  // namespace
}  // namespace bootgate::xdp::test
