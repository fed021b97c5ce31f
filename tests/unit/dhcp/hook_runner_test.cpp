#include "net/dhcp_hook_runner.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace bootgate::net {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("bootgate-hooks-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

fs::path write_script(const fs::path& dir, const std::string& name, const std::string& body) {
  const auto p = dir / name;
  std::ofstream(p) << "#!/bin/sh\n" << body;
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the io_context until `done` or the time limit.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(HookRunner, PassesEventArgumentsAndEnvironment) {
  TempDir dir;
  const auto out = dir.path / "out";
  const auto prog = write_script(dir.path, "hook",
                                 "echo \"$1 $2 $3 $4\" >> " + out.string() + "\n"
                                 "echo \"$BOOTGATE_EVENT $BOOTGATE_IP $BOOTGATE_BOOT_FILE\" >> " + out.string() + "\n");
  boost::asio::io_context io;
  HookRunner hooks(io, HookOptions{prog.string()});
  std::vector<std::pair<std::string, int>> exits;
  hooks.on_exit([&](const std::string& e, int rc) { exits.emplace_back(e, rc); });
  hooks.run("granted", {"52:54:00:12:34:56", "10.0.0.100", "node1"},
            {{"BOOTGATE_EVENT", "granted"}, {"BOOTGATE_IP", "10.0.0.100"}, {"BOOTGATE_BOOT_FILE", "pxelinux.0"}});
  EXPECT_EQ(hooks.running(), 1u);  // run() returned at once: the child runs on its own
  ASSERT_TRUE(run_until(io, [&] { return exits.size() == 1; }));
  EXPECT_EQ(exits[0], std::make_pair(std::string("granted"), 0));
  EXPECT_EQ(read(out), "granted 52:54:00:12:34:56 10.0.0.100 node1\ngranted 10.0.0.100 pxelinux.0\n");
  EXPECT_EQ(hooks.stats().succeeded, 1u);
  EXPECT_EQ(hooks.running(), 0u);
}

TEST(HookRunner, BoundsConcurrencyQueuesAndDrops) {
  TempDir dir;
  const auto gate = dir.path / "gate";
  const auto log = dir.path / "log";
  // Each child waits (bounded) for the gate file, so we can see how many run at once.
  const auto prog = write_script(dir.path, "hook",
                                 "echo start >> " + log.string() + "\n"
                                 "i=0; while [ ! -e " + gate.string() + " ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i+1)); done\n");
  boost::asio::io_context io;
  HookOptions o{prog.string()};
  o.max_running = 2;
  o.max_queued = 3;
  HookRunner hooks(io, o);
  int exited = 0;
  hooks.on_exit([&](const std::string&, int rc) {
    EXPECT_EQ(rc, 0);
    ++exited;
  });
  for (int i = 0; i < 7; ++i) hooks.run("granted", {"mac", "ip", ""}, {});
  EXPECT_EQ(hooks.running(), 2u);
  EXPECT_EQ(hooks.queued(), 3u);
  EXPECT_EQ(hooks.stats().dropped, 2u);
  std::ofstream(gate) << "go";
  ASSERT_TRUE(run_until(io, [&] { return exited == 5; }));
  EXPECT_EQ(hooks.stats().started, 5u);
  EXPECT_EQ(hooks.running(), 0u);
  EXPECT_EQ(hooks.queued(), 0u);
}

TEST(HookRunner, ReportsFailuresAndKillsSlowHooks) {
  TempDir dir;
  boost::asio::io_context io;
  std::map<std::string, int> exits;
  {
    HookRunner missing(io, HookOptions{(dir.path / "does-not-exist").string()});
    missing.on_exit([&](const std::string& e, int rc) { exits[e] = rc; });
    missing.run("released", {}, {});
    EXPECT_EQ(missing.stats().failed, 1u);
  }
  EXPECT_EQ(exits["released"], 127);

  const auto failing = write_script(dir.path, "fail", "exit 3\n");
  HookRunner f(io, HookOptions{failing.string()});
  f.on_exit([&](const std::string& e, int rc) { exits[e] = rc; });
  f.run("declined", {}, {});
  ASSERT_TRUE(run_until(io, [&] { return exits.contains("declined"); }));
  EXPECT_EQ(exits["declined"], 3);
  EXPECT_EQ(f.stats().failed, 1u);

  const auto slow = write_script(dir.path, "slow", "exec sleep 30\n");
  HookOptions o{slow.string()};
  o.timeout = std::chrono::milliseconds(200);
  HookRunner s(io, o);
  s.on_exit([&](const std::string& e, int rc) { exits[e] = rc; });
  const auto start = std::chrono::steady_clock::now();
  s.run("expired", {}, {});
  ASSERT_TRUE(run_until(io, [&] { return exits.contains("expired"); }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(exits["expired"], -SIGKILL);
  EXPECT_EQ(s.stats().timed_out, 1u);
}

}  // namespace
}  // namespace bootgate::net
