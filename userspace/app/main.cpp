// bootgate: the command line. serve | check-config | get | put
#include <netdb.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <iostream>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "lib/tftp_client.hpp"
#include "net/tftp_socket_server.hpp"
#include "store/file_root.hpp"

namespace bg = bootgate;
namespace asio = boost::asio;

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void log_transfer(const bg::tftp::TransferRecord& r) {
  const auto ms = std::chrono::duration<double, std::milli>(r.duration).count();
  const auto level = r.outcome == bg::tftp::Outcome::completed || r.outcome == bg::tftp::Outcome::probe
                         ? spdlog::level::info
                         : spdlog::level::warn;
  spdlog::log(level, "tftp {} {} \"{}\" mode={} options=[{}] bytes={} duration={:.1f}ms outcome={}{}{}",
              r.op == bg::tftp::Opcode::rrq ? "RRQ" : "WRQ", r.peer.to_string(), r.filename,
              bg::tftp::to_string(r.mode), r.options, r.bytes, ms, bg::tftp::to_string(r.outcome),
              r.detail.empty() ? "" : " ", r.detail);
}

// Explains a failed bind in the terms of the config file.
std::string bind_advice(const std::system_error& e, const std::string& config_path) {
  std::string msg = e.what();
  if (e.code().value() == EACCES)
    msg += "\n  Ports below 1024 need root or CAP_NET_BIND_SERVICE: run as root, or set tftp.listen in " +
           config_path + " to a high port, e.g. \"0.0.0.0:6969\".";
  else if (e.code().value() == EADDRINUSE)
    msg += "\n  Another server (tftpd-hpa, atftpd, dnsmasq?) holds the port: stop it, or change tftp.listen in " +
           config_path + ".";
  else if (e.code().value() == EADDRNOTAVAIL)
    msg += "\n  That address is not on any interface of this machine: fix tftp.listen in " + config_path + ".";
  return msg;
}

int serve(const std::string& config_path) {
  bg::config::Config cfg;
  try {
    cfg = bg::config::load_config(config_path);
  } catch (const bg::config::ConfigError& e) {
    std::cerr << "bootgate: " << e.what() << "\n";
    return kExitUsage;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
  if (!cfg.tftp.enabled) {
    spdlog::error("nothing to serve: tftp.enabled is false");
    return kExitUsage;
  }

  asio::io_context io;
  std::unique_ptr<bg::store::FileRoot> root;
  std::unique_ptr<bg::net::TftpSocketServer> tftp;
  try {
    root = std::make_unique<bg::store::FileRoot>(cfg.tftp.root);
    tftp = std::make_unique<bg::net::TftpSocketServer>(io, cfg.tftp, *root, log_transfer);
  } catch (const std::system_error& e) {
    std::cerr << "bootgate: " << bind_advice(e, config_path) << "\n";
    return kExitFailed;
  }
  for (const auto& ep : tftp->listening())
    spdlog::info("tftp: serving {} on {} ({})", cfg.tftp.root, ep.to_string(),
                 cfg.tftp.engine.single_port ? "single port" : "one port per transfer");

  // SIGTERM/SIGINT: stop taking requests, let running transfers finish (bounded), then exit.
  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(io);
  const auto drain_deadline = std::make_shared<bg::TimePoint>();
  std::function<void()> drain_tick = [&] {
    if (tftp->active() == 0 || bg::Clock::now() >= *drain_deadline) {
      if (tftp->active() > 0) spdlog::warn("exiting with {} transfers still running", tftp->active());
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(100));
    drain_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) drain_tick();
    });
  };
  stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining {} transfers", sig, tftp->active());
    tftp->stop_listening();
    *drain_deadline = bg::Clock::now() + std::chrono::seconds(10);
    drain_tick();
  });

  // SIGHUP: reread the config; a bad file is reported and the running config kept.
  asio::signal_set hup(io, SIGHUP);
  std::function<void()> arm_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      try {
        auto next = bg::config::load_config(config_path);
        if (next.tftp.root != cfg.tftp.root || next.tftp.listen != cfg.tftp.listen)
          spdlog::warn("reload: tftp.root and tftp.listen take effect at restart only");
        tftp->reload(next.tftp);
        spdlog::set_level(spdlog::level::from_str(next.log.level));
        cfg = std::move(next);
        spdlog::info("reload: {} applied", config_path);
      } catch (const std::exception& e) {
        spdlog::error("reload: {} (keeping the running config)", e.what());
      }
      arm_hup();
    });
  };
  arm_hup();

  io.run();
  const auto& s = tftp->stats();
  spdlog::info("tftp: {} requests, {} completed, {} refused, {} failed, {} timed out", s.requests, s.completed,
               s.refused, s.failed, s.timed_out);
  return 0;
}

int check_config(const std::string& path) {
  try {
    auto cfg = bg::config::load_config(path);
    std::cout << path << ": OK (tftp root " << cfg.tftp.root << ", " << cfg.tftp.listen.size() << " listen address"
              << (cfg.tftp.listen.size() == 1 ? "" : "es") << ")\n";
    return 0;
  } catch (const bg::config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return kExitUsage;
  }
}

std::optional<bg::Endpoint> resolve(const std::string& host, std::uint16_t port) {
  if (auto ep = bg::Endpoint::parse(host, port)) return ep;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  sockaddr_storage ss{};
  std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
  auto ep = bg::net::from_sockaddr(ss);
  ep.port = port;
  return ep;
}

struct ClientFlags {
  std::uint16_t port = 69;
  std::uint16_t blksize = 0;
  std::uint16_t windowsize = 0;
  unsigned timeout = 0;
  int retries = 5;
  bool netascii = false;
  bool quiet = false;
};

void add_client_flags(CLI::App* cmd, ClientFlags& f) {
  cmd->add_option("--port,-p", f.port, "server port")->capture_default_str();
  cmd->add_option("--blksize,-b", f.blksize, "ask for this block size (RFC 2348), 8..65464")->check(CLI::Range(8, 65464));
  cmd->add_option("--windowsize,-w", f.windowsize, "ask for this window (RFC 7440), 1..65535")->check(CLI::Range(1, 65535));
  cmd->add_option("--timeout,-t", f.timeout, "retransmit timeout in seconds (RFC 2349), 1..255")->check(CLI::Range(1, 255));
  cmd->add_option("--retries,-r", f.retries, "retransmissions before giving up")->capture_default_str()->check(CLI::Range(0, 100));
  cmd->add_flag("--netascii", f.netascii, "netascii mode instead of octet");
  cmd->add_flag("--quiet,-q", f.quiet, "no progress bar");
}

bg::tftp::ClientOptions to_options(const ClientFlags& f) {
  bg::tftp::ClientOptions o;
  o.blksize = f.blksize;
  o.windowsize = f.windowsize;
  o.timeout_s = static_cast<std::uint8_t>(f.timeout);
  o.retries = f.retries;
  o.mode = f.netascii ? bg::tftp::Mode::netascii : bg::tftp::Mode::octet;
  return o;
}

bg::ProgressFn progress_bar(bool enabled) {
  if (!enabled) return {};
  const auto start = bg::Clock::now();
  return [start](const bg::TransferProgress& p) {
    const double secs = std::chrono::duration<double>(bg::Clock::now() - start).count();
    const double rate = secs > 0 ? static_cast<double>(p.bytes) / secs / (1 << 20) : 0;
    if (p.total && *p.total > 0) {
      const int pct = static_cast<int>(100.0 * static_cast<double>(p.bytes) / static_cast<double>(*p.total));
      const int fill = pct * 30 / 100;
      std::printf("\r[%-30s] %3d%% %.1f MiB %.1f MiB/s ", std::string(static_cast<std::size_t>(fill), '#').c_str(), pct,
                  static_cast<double>(p.bytes) / (1 << 20), rate);
    } else {
      std::printf("\r%.1f MiB %.1f MiB/s ", static_cast<double>(p.bytes) / (1 << 20), rate);
    }
    std::fflush(stdout);
  };
}

int finish_transfer(const bg::ClientResult& r, bool bar, const std::string& what) {
  if (bar) std::printf("\n");
  if (!r.ok) {
    std::cerr << "bootgate: " << what << ": " << r.error << "\n";
    return kExitFailed;
  }
  if (bar) {
    const double secs = std::chrono::duration<double>(r.elapsed).count();
    std::printf("%s: %llu bytes in %.2fs\n", what.c_str(), static_cast<unsigned long long>(r.bytes), secs);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bootgate: DHCP/BOOTP + TFTP netboot server"};
  app.require_subcommand(1);

  std::string config_path = "config/bootgate.yaml";
  auto* serve_cmd = app.add_subcommand("serve", "run the server");
  serve_cmd->add_option("--config,-c", config_path, "site configuration (YAML)")->capture_default_str();

  std::string check_path;
  auto* check_cmd = app.add_subcommand("check-config", "validate a configuration file and exit");
  check_cmd->add_option("file", check_path, "YAML file")->required();

  ClientFlags get_flags;
  std::string get_host, get_remote, get_out;
  auto* get_cmd = app.add_subcommand("get", "download a file over TFTP");
  get_cmd->add_option("host", get_host, "server address or name (host or host:port)")->required();
  get_cmd->add_option("file", get_remote, "remote file name")->required();
  get_cmd->add_option("-o,--output", get_out, "local file (default: the remote name's last part; - for stdout)");
  add_client_flags(get_cmd, get_flags);

  ClientFlags put_flags;
  std::string put_host, put_local, put_remote;
  auto* put_cmd = app.add_subcommand("put", "upload a file over TFTP");
  put_cmd->add_option("host", put_host, "server address or name (host or host:port)")->required();
  put_cmd->add_option("file", put_local, "local file")->required()->check(CLI::ExistingFile);
  put_cmd->add_option("remote", put_remote, "remote name (default: the local name's last part)");
  add_client_flags(put_cmd, put_flags);

  CLI11_PARSE(app, argc, argv);

  if (*serve_cmd) return serve(config_path);
  if (*check_cmd) return check_config(check_path);

  if (*get_cmd || *put_cmd) {
    const bool is_get = static_cast<bool>(*get_cmd);
    auto& flags = is_get ? get_flags : put_flags;
    const auto& host = is_get ? get_host : put_host;
    auto server = resolve(host, flags.port);
    if (!server) {
      std::cerr << "bootgate: cannot resolve '" << host << "'\n";
      return kExitUsage;
    }
    if (is_get) {
      if (get_out.empty()) get_out = get_remote.substr(get_remote.find_last_of("/\\") + 1);
      const bool bar = !flags.quiet && get_out != "-" && ::isatty(STDOUT_FILENO);
      auto r = bg::get_file(*server, get_remote, get_out, to_options(flags), progress_bar(bar));
      return finish_transfer(r, bar, get_remote);
    }
    if (put_remote.empty()) put_remote = put_local.substr(put_local.find_last_of('/') + 1);
    const bool bar = !flags.quiet && ::isatty(STDOUT_FILENO);
    auto r = bg::put_file(*server, put_local, put_remote, to_options(flags), progress_bar(bar));
    return finish_transfer(r, bar, put_local);
  }
  return kExitUsage;
}
