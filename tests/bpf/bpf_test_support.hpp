#pragma once
// Shared fixture for the BPF tests: load the program through XdpLoader (no attach, no pins unless
// asked), run frames through BPF_PROG_TEST_RUN, read counters back, drive the program's clock.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "bootgate.skel.h"
#include "config/xdp_config.hpp"
#include "frame_builder.hpp"
#include "xdp/stats.hpp"
#include "xdp/xdp_loader.hpp"

namespace bootgate::xdp::test {

inline config::XdpSection section_from_yaml(const std::string& yaml) {
  return config::parse_xdp(config::load_text(yaml, "test.yaml"));
}

// Per-counter differences between two snapshots.
struct Delta {
  Stats before, after;
  std::uint64_t verdict(int i) const { return after.verdict[i] - before.verdict[i]; }
  std::uint64_t drop(int i) const { return after.drop[i] - before.drop[i]; }
  std::uint64_t admit(int i) const { return after.admit[i] - before.admit[i]; }
  std::uint64_t vlan(std::uint32_t vid, int stat) const {
    auto get = [&](const Stats& s) -> std::uint64_t {
      for (const auto& v : s.vlans)
        if (v.vid == vid) return v.count[stat];
      return 0;
    };
    return get(after) - get(before);
  }
  std::uint64_t vlan_total() const {
    std::uint64_t a = 0, b = 0;
    for (const auto& v : after.vlans)
      for (auto c : v.count) a += c;
    for (const auto& v : before.vlans)
      for (auto c : v.count) b += c;
    return a - b;
  }
};

class BpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_BPF)";
  }

  void load(const std::string& yaml, LoaderOptions options = {false}) {
    section_ = section_from_yaml(yaml);
    loader_ = std::make_unique<XdpLoader>(section_, options);
  }

  // Runs one frame, returns the XDP action.
  int run(const Frame& frame) { return run_bytes(frame.bytes()); }
  int run_bytes(const std::vector<std::uint8_t>& bytes) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bytes.data(), .data_size_in = static_cast<std::uint32_t>(bytes.size()),
                .repeat = 1);
    const int err = bpf_prog_test_run_opts(loader_->program_fd(), &opts);
    EXPECT_EQ(err, 0) << "bpf_prog_test_run_opts: " << strerror(-err);
    return static_cast<int>(opts.retval);
  }

  // Moves the program's clock forward (the bg_config clock offset of the live generation).
  void advance_clock(std::uint64_t ns) {
    const std::uint32_t zero = 0;
    bg_control control{};
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(loader_->skeleton().maps.bg_control), &zero, &control), 0);
    std::uint32_t gen = control.generation & 1;
    const int fd = bpf_map__fd(loader_->skeleton().maps.bg_config);
    bg_config cfg{};
    ASSERT_EQ(bpf_map_lookup_elem(fd, &gen, &cfg), 0);
    cfg.clock_offset_ns += ns;
    ASSERT_EQ(bpf_map_update_elem(fd, &gen, &cfg, BPF_ANY), 0);
  }

  std::uint32_t map_entries(bpf_map* map) {
    const int fd = bpf_map__fd(map);
    std::vector<std::uint8_t> cur(bpf_map__key_size(map)), next(bpf_map__key_size(map));
    std::uint32_t n = 0;
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
      ++n;
      cur = next;
      prev = cur.data();
    }
    return n;
  }

  Stats stats() { return loader_->stats(); }

  config::XdpSection section_;
  std::unique_ptr<XdpLoader> loader_;
};

}  // namespace bootgate::xdp::test
