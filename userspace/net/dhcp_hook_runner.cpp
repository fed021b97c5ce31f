#include "net/dhcp_hook_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

extern char** environ;

namespace bootgate::net {

namespace asio = boost::asio;

struct HookRunner::Child {
  std::string event;
  int pid = 0;
  asio::posix::stream_descriptor pidfd;  // readable when the child exits
  asio::steady_timer deadline;
  bool killed = false;

  Child(asio::io_context& io, std::string ev, int p, int fd) : event(std::move(ev)), pid(p), pidfd(io, fd), deadline(io) {}
};

HookRunner::HookRunner(asio::io_context& io, HookOptions options) : io_(io), options_(std::move(options)) {}

HookRunner::~HookRunner() {
  *alive_ = false;
  for (auto& [pid, child] : children_) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

void HookRunner::run(const std::string& event, std::vector<std::string> args, HookEnv env) {
  Job job{event, {options_.program, event}, std::move(env)};
  for (auto& a : args) job.argv.push_back(std::move(a));
  if (children_.size() < options_.max_running) {
    start(std::move(job));
  } else if (queue_.size() < options_.max_queued) {
    queue_.push_back(std::move(job));
  } else {
    ++stats_.dropped;
    spdlog::warn("dhcp hook: {} for {} dropped: {} running and {} queued (max_running/max_queued)", event,
                 job.argv.size() > 2 ? job.argv[2] : "?", children_.size(), queue_.size());
  }
}

void HookRunner::start(Job job) {
  // The environment: ours, minus any BOOTGATE_* left over, plus this event's.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, "BOOTGATE_", 9) != 0) env_strings.emplace_back(*e);
  for (const auto& [k, v] : job.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& s : job.argv) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with default signal handling (we block/handle SIGCHLD, SIGHUP, ... in Asio).
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, options_.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    ++stats_.failed;
    spdlog::warn("dhcp hook: cannot run {}: {}", options_.program, std::strerror(rc));
    if (on_exit_) on_exit_(job.event, 127);
    return;
  }
  ++stats_.started;
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) {
    // No pidfd (very old kernel): wait for it here rather than leave a zombie.
    int status = 0;
    ::waitpid(pid, &status, 0);
    reaped(pid, status, false);
    return;
  }
  auto child = std::make_unique<Child>(io_, job.event, pid, fd);
  Child& c = *child;
  children_.emplace(pid, std::move(child));
  auto alive = alive_;
  c.pidfd.async_wait(asio::posix::descriptor_base::wait_read, [this, pid, alive](const boost::system::error_code& ec) {
    if (!*alive || ec) return;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) status = 0;
    const auto it = children_.find(pid);
    reaped(pid, status, it != children_.end() && it->second->killed);
  });
  c.deadline.expires_after(options_.timeout);
  c.deadline.async_wait([this, pid, alive](const boost::system::error_code& ec) {
    if (!*alive || ec) return;
    const auto it = children_.find(pid);
    if (it == children_.end()) return;
    it->second->killed = true;
    ::kill(pid, SIGKILL);  // a child of ours, not yet reaped: the PID cannot have been reused
  });
}

void HookRunner::reaped(int pid, int status, bool timed_out) {
  std::string event;
  if (auto it = children_.find(pid); it != children_.end()) {
    event = it->second->event;
    it->second->deadline.cancel();
    children_.erase(it);
  }
  int result = 0;
  if (timed_out) {
    ++stats_.timed_out;
    result = -SIGKILL;
    spdlog::warn("dhcp hook: {} {} killed after {} ms", options_.program, event, options_.timeout.count());
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    ++stats_.succeeded;
  } else {
    ++stats_.failed;
    result = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (WIFEXITED(status))
      spdlog::warn("dhcp hook: {} {} exited with status {}", options_.program, event, WEXITSTATUS(status));
    else
      spdlog::warn("dhcp hook: {} {} killed by signal {}", options_.program, event, WTERMSIG(status));
  }
  if (on_exit_) on_exit_(event, result);
  while (!queue_.empty() && children_.size() < options_.max_running) {
    auto next = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(next));
  }
}

}  // namespace bootgate::net
