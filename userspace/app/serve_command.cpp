// bootgate serve / check-config: the appliance on one io_context thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "app/service.hpp"
#include "config/config.hpp"
#include "net/tftp_socket_server.hpp"
#include "store/file_root.hpp"
#if BOOTGATE_HAVE_XDP
#include "net/xsk_tftp_server.hpp"
#endif

namespace bg = bootgate;
namespace asio = boost::asio;
using bootgate::app::kExitFailed;
using bootgate::app::kExitUsage;

namespace {

// One line per transfer. A flood of bad requests must not become a flood of log lines: refusals
// are logged up to kRefusalsPerSecond, and the rest counted and summarised.
class TransferLog {
 public:
  static constexpr int kRefusalsPerSecond = 20;

  void operator()(const bg::tftp::TransferRecord& r) {
    if (r.outcome == bg::tftp::Outcome::refused) {
      const auto now = bg::Clock::now();
      if (now - window_ >= std::chrono::seconds(1)) {
        flush();
        window_ = now;
        logged_ = 0;
      }
      if (logged_ >= kRefusalsPerSecond) {
        ++suppressed_;
        return;
      }
      ++logged_;
    }
    write(r);
  }

  void flush() {
    if (suppressed_ == 0) return;
    spdlog::warn("tftp: {} more refused requests not logged (over {} per second)", suppressed_, kRefusalsPerSecond);
    suppressed_ = 0;
  }

 private:
  static void write(const bg::tftp::TransferRecord& r) {
    const auto ms = std::chrono::duration<double, std::milli>(r.duration).count();
    const auto level = r.outcome == bg::tftp::Outcome::completed || r.outcome == bg::tftp::Outcome::probe
                           ? spdlog::level::info
                           : spdlog::level::warn;
    spdlog::log(level, "tftp {} {} \"{}\" mode={} options=[{}] bytes={} duration={:.1f}ms outcome={}{}{}",
                r.op == bg::tftp::Opcode::rrq ? "RRQ" : "WRQ", r.peer.to_string(), r.filename,
                bg::tftp::to_string(r.mode), r.options, r.bytes, ms, bg::tftp::to_string(r.outcome),
                r.detail.empty() ? "" : " ", r.detail);
  }

  bg::TimePoint window_{};
  int logged_ = 0;
  std::uint64_t suppressed_ = 0;
};

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

  asio::io_context io;
  // The XDP filter goes up first, so nothing is served unprotected when protection is required.
  std::vector<std::unique_ptr<bg::app::Service>> services;
  try {
    if (auto s = bg::app::start_xdp_service(io, cfg)) services.push_back(std::move(s));
  } catch (const std::exception& e) {
    std::cerr << "bootgate: " << e.what() << "\n";
    return kExitFailed;
  }
  std::unique_ptr<bg::store::FileRoot> root;
  std::unique_ptr<bg::net::TftpSocketServer> tftp;
  auto transfer_log = std::make_shared<TransferLog>();
  const bool explicit_af_xdp = cfg.tftp.datapath == bg::config::TftpDatapath::af_xdp;
  bool af_xdp = bg::config::wants_af_xdp(cfg);  // false again if it cannot start
  if (cfg.tftp.enabled) {
    try {
      root = std::make_unique<bg::store::FileRoot>(cfg.tftp.root);
    } catch (const std::system_error& e) {
      std::cerr << "bootgate: " << e.what() << "\n";
      return kExitFailed;
    }
  }
  // AF_XDP before port 69: once the port is bound, whoever waits for it finds every datapath ready.
#if BOOTGATE_HAVE_XDP
  std::unique_ptr<bg::net::XskTftpServer> xsk_tftp;
  if (af_xdp) {
    bg::app::AfXdpHost* host = nullptr;
    for (auto& s : services)
      if (auto* h = dynamic_cast<bg::app::AfXdpHost*>(s.get())) host = h;
    const auto& ifname = cfg.xdp.interfaces.front().name;
    const auto mtu = bg::net::interface_mtu(ifname);
    if (!host) {
      spdlog::log(explicit_af_xdp ? spdlog::level::warn : spdlog::level::info,
                  "tftp: socket datapath (the XDP program is not attached, so no AF_XDP)");
    } else if (!explicit_af_xdp && mtu > bg::net::kXskMaxMtu) {
      spdlog::info("tftp: socket datapath ({} has MTU {}, above the {} AF_XDP frames carry)", ifname, mtu,
                   bg::net::kXskMaxMtu);
    } else {
      try {
        // Records are logged on the Asio thread, where the rest of the log's state lives.
        xsk_tftp = std::make_unique<bg::net::XskTftpServer>(
            cfg.tftp, ifname, *root, [host](std::uint32_t q, int fd) { host->register_xsk(q, fd); },
            [&io, transfer_log](const bg::tftp::TransferRecord& r) {
              asio::post(io, [r, transfer_log] { (*transfer_log)(r); });
            });
        host->keep_attached_on_stop();
        xsk_tftp->start();
        spdlog::info("tftp: AF_XDP datapath on {} ({} queue{}, {} mode{})", ifname, xsk_tftp->queues(),
                     xsk_tftp->queues() == 1 ? "" : "s", xsk_tftp->zero_copy() ? "zero-copy" : "copy",
                     xsk_tftp->checksum_offload() ? ", UDP checksums by the kernel" : "");
      } catch (const std::exception& e) {
        if (explicit_af_xdp && cfg.xdp.mode == bg::config::XdpMode::required) {
          std::cerr << "bootgate: " << e.what() << "\n";
          return kExitFailed;
        }
        spdlog::warn("{} - serving TFTP on sockets only", e.what());
        xsk_tftp.reset();
      }
    }
  } else if (cfg.tftp.enabled && cfg.xdp.mode != bg::config::XdpMode::off &&
             cfg.tftp.datapath == bg::config::TftpDatapath::automatic) {
    spdlog::info("tftp: socket datapath (no AF_XDP: {})", bg::config::af_xdp_obstacle(cfg));
  }
  af_xdp = xsk_tftp != nullptr;
#else
  af_xdp = false;
#endif
  // With AF_XDP the port range belongs to the AF_XDP transfers (the program steers it there); what
  // still reaches the kernel (other interfaces, IPv6) gets kernel-chosen transfer ports.
  const auto socket_section = [af_xdp](bg::config::TftpSection t) {
    if (af_xdp) t.port_min = t.port_max = 0;
    return t;
  };
  if (cfg.tftp.enabled) {
    try {
      tftp = std::make_unique<bg::net::TftpSocketServer>(io, socket_section(cfg.tftp), *root,
                                                         [transfer_log](const auto& r) { (*transfer_log)(r); });
    } catch (const std::system_error& e) {
      std::cerr << "bootgate: " << bind_advice(e, config_path) << "\n";
      return kExitFailed;
    }
    for (const auto& ep : tftp->listening())
      spdlog::info("tftp: serving {} on {} ({})", cfg.tftp.root, ep.to_string(),
                   cfg.tftp.engine.single_port ? "single port" : "one port per transfer");
  }
  try {
    if (auto s = bg::app::start_dhcp_service(io, cfg)) services.push_back(std::move(s));
  } catch (const std::exception& e) {
    std::cerr << "bootgate: " << e.what() << "\n";
    return kExitFailed;
  }
  if (!tftp && services.empty()) {
    std::cerr << "bootgate: nothing to serve: tftp and dhcp are both disabled in " << config_path << "\n";
    return kExitUsage;
  }
  const auto active = [&] {
    std::size_t n = tftp ? tftp->active() : 0;
#if BOOTGATE_HAVE_XDP
    if (xsk_tftp) n += xsk_tftp->active();
#endif
    return n;
  };

  // SIGTERM/SIGINT: stop taking requests, let running transfers finish (bounded), then exit.
  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(io);
  const auto drain_deadline = std::make_shared<bg::TimePoint>();
  std::function<void()> drain_tick = [&] {
    if (active() == 0 || bg::Clock::now() >= *drain_deadline) {
      if (active() > 0) spdlog::warn("exiting with {} transfers still running", active());
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
    spdlog::info("signal {}: draining {} transfers", sig, active());
    if (tftp) tftp->stop_listening();
#if BOOTGATE_HAVE_XDP
    if (xsk_tftp) xsk_tftp->stop_listening();
#endif
    for (auto& s : services) s->stop();
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
        if (tftp) tftp->reload(socket_section(next.tftp));
#if BOOTGATE_HAVE_XDP
        if (xsk_tftp) xsk_tftp->reload(next.tftp);
#endif
        for (auto& s : services) s->reload(next);
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
  transfer_log->flush();
  if (tftp) {
    const auto& s = tftp->stats();
    spdlog::info("tftp: {} requests, {} completed, {} refused, {} failed, {} timed out", s.requests, s.completed,
                 s.refused, s.failed, s.timed_out);
  }
#if BOOTGATE_HAVE_XDP
  if (xsk_tftp) {
    xsk_tftp->stop();
    const auto& s = xsk_tftp->stats();
    const auto& d = xsk_tftp->datapath_stats();
    spdlog::info("tftp af_xdp: {} requests, {} completed, {} refused, {} failed, {} timed out; {} frames in, {} out, "
                 "{} malformed, {} not served, {} to ended transfers, {} waited for a free frame, {} not sent, "
                 "{} no port",
                 s.requests, s.completed, s.refused, s.failed, s.timed_out, d.rx_frames, d.tx_frames, d.malformed,
                 d.not_serving, d.no_transfer, d.held, d.tx_dropped, d.no_port);
  }
#endif
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

}  // namespace

namespace bootgate::app {

void add_serve_commands(CLI::App& app) {
  auto config_path = std::make_shared<std::string>("config/bootgate.yaml");
  auto* serve_cmd = app.add_subcommand("serve", "run the server");
  serve_cmd->add_option("--config,-c", *config_path, "site configuration (YAML)")->capture_default_str();
  serve_cmd->callback([config_path] {
    if (int rc = serve(*config_path)) throw CLI::RuntimeError(rc);
  });

  auto check_path = std::make_shared<std::string>();
  auto* check_cmd = app.add_subcommand("check-config", "validate a configuration file and exit");
  check_cmd->add_option("file", *check_path, "YAML file")->required();
  check_cmd->callback([check_path] {
    if (int rc = check_config(*check_path)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace bootgate::app
