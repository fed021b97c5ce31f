#pragma once
// Runs the configured program on lease events without blocking the event loop, like dnsmasq's
// dhcp-script: posix_spawn, then a pidfd on the io_context tells when the child exits. At most
// max_running children at once; more wait in a bounded queue (then are dropped and counted); a
// child that runs past the timeout is killed. Every failure is logged once.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bootgate::net {

struct HookOptions {
  std::string program;
  std::size_t max_running = 4;
  std::size_t max_queued = 1000;
  std::chrono::milliseconds timeout{30'000};
};

struct HookStats {
  std::uint64_t started = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;     // could not start, non-zero exit, or killed by a signal
  std::uint64_t timed_out = 0;  // killed after the timeout
  std::uint64_t dropped = 0;    // the queue was full
};

using HookEnv = std::vector<std::pair<std::string, std::string>>;

class HookRunner {
 public:
  HookRunner(boost::asio::io_context& io, HookOptions options);
  ~HookRunner();  // kills children still running (by their PID) and reaps them
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Runs `program event args...` with `env` added to the environment. Never blocks.
  void run(const std::string& event, std::vector<std::string> args, HookEnv env);

  std::size_t running() const { return children_.size(); }
  std::size_t queued() const { return queue_.size(); }
  const HookStats& stats() const { return stats_; }
  // For tests: called after each child is reaped with (event, exit status or -signal).
  void on_exit(std::function<void(const std::string&, int)> f) { on_exit_ = std::move(f); }

 private:
  struct Job {
    std::string event;
    std::vector<std::string> argv;
    HookEnv env;
  };
  struct Child;

  void start(Job job);
  void reaped(int pid, int status, bool timed_out);

  boost::asio::io_context& io_;
  HookOptions options_;
  std::deque<Job> queue_;
  std::map<int, std::unique_ptr<Child>> children_;
  HookStats stats_;
  std::function<void(const std::string&, int)> on_exit_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace bootgate::net
