// The DHCP part of `bootgate serve`: lease store, boot policy (plugins + YAML rules), engine,
// packet-socket datapath, event log and hooks, on the shared io_context.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>
#include <stdexcept>
#include <unistd.h>

#include "app/service.hpp"
#include "core/dhcp/packet.hpp"
#include "core/dhcp/server.hpp"
#include "loader/plugin_loader.hpp"
#include "net/dhcp_hook_runner.hpp"
#include "net/dhcp_socket_server.hpp"
#include "store/leases/sqlite_lease_store.hpp"

namespace bootgate::app {
namespace {

namespace fs = std::filesystem;

std::string config_dir(const config::Config& cfg) {
  return fs::absolute(cfg.path.empty() ? "." : cfg.path).parent_path().string();
}

// Seconds since the epoch for an engine (steady clock) time.
std::int64_t unix_seconds(TimePoint t, TimePoint now) {
  const auto wall = std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - now);
  return std::chrono::duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count();
}

class DhcpService final : public Service {
 public:
  DhcpService(boost::asio::io_context& io, const config::Config& cfg) : section_(cfg.dhcp) {
    const auto& s = cfg.dhcp;
    if (s.interfaces.empty())
      throw std::runtime_error("dhcp: no interface to serve: set dhcp.interfaces (e.g. [eth1]) or subnets[].interface in " +
                               cfg.path);
    if (::geteuid() != 0)
      spdlog::warn("dhcp: not running as root: packet sockets and port 67 need CAP_NET_RAW and CAP_NET_BIND_SERVICE");
    fs::path db(s.lease_database);
    if (db.is_relative()) db = fs::path(config_dir(cfg)) / db;
    std::error_code ec;
    if (db.has_parent_path()) fs::create_directories(db.parent_path(), ec);
    auto store = store::SqliteLeaseStore::open(db.string());
    if (!store) throw std::runtime_error("dhcp: lease database " + db.string() + ": " + store.error().message);
    store_ = std::move(*store);
    build_engine(cfg);
    if (!s.hooks.program.empty()) {
      net::HookOptions h;
      h.program = s.hooks.program;
      h.max_running = s.hooks.max_running;
      h.max_queued = s.hooks.max_queued;
      h.timeout = std::chrono::milliseconds(s.hooks.timeout_ms);
      hooks_ = std::make_unique<net::HookRunner>(io, std::move(h));
    }
    last_tick_ = Clock::now();
    net_ = std::make_unique<net::DhcpSocketServer>(
        io, s.interfaces, s.ports, *engine_, *store_,
        [this](const dhcp::Received& in, const dhcp::Outcome& out) { on_event(in, out); },
        [this](TimePoint now) { on_tick(now); }, std::chrono::milliseconds(s.commit_delay_ms));
    for (const auto& i : net_->interfaces())
      spdlog::info("dhcp: {} on {} (ports {}), {} subnets, leases in {} ({} known)", s.proxy ? "proxyDHCP" : "serving",
                   i.name, fmt::join(s.ports, ","), s.subnets.size(), db.string(), store_->list().size());
  }

  std::string name() const override { return "dhcp"; }

  void reload(const config::Config& cfg) override {
    const auto& n = cfg.dhcp;
    if (n.interfaces != section_.interfaces || n.lease_database != section_.lease_database ||
        n.proxy != section_.proxy || n.enabled != section_.enabled || n.hooks.program != section_.hooks.program ||
        n.hooks.max_running != section_.hooks.max_running || n.hooks.max_queued != section_.hooks.max_queued ||
        n.hooks.timeout_ms != section_.hooks.timeout_ms || n.commit_delay_ms != section_.commit_delay_ms)
      spdlog::warn("reload: dhcp.enabled, mode, interfaces, lease_database, commit_delay and hooks (except events) "
                   "take effect at restart only");
    // Throws (keeping the running engine) when a plugin fails to load.
    auto old_engine = std::move(engine_);
    auto old_boot = std::move(boot_);
    try {
      build_engine(cfg);
    } catch (...) {
      engine_ = std::move(old_engine);
      boot_ = std::move(old_boot);
      throw;
    }
    net_->set_engine(*engine_);
    // Remember what runs, so the next reload compares against it.
    auto running = section_;
    section_ = cfg.dhcp;
    section_.interfaces = running.interfaces;
    section_.lease_database = running.lease_database;
    section_.proxy = running.proxy;
    section_.enabled = running.enabled;
    section_.commit_delay_ms = running.commit_delay_ms;
    section_.hooks = running.hooks;
    section_.hooks.events = cfg.dhcp.hooks.events;
  }

  void stop() override {
    if (net_) {
      net_->stop();
      const auto& s = net_->stats();
      spdlog::info("dhcp: {} frames, {} malformed, {} dropped by the kernel (ring full), {} replies, {} send errors, "
                   "{} withheld (lease store errors), {} commits",
                   s.frames, s.bad_frames, s.kernel_drops, s.replies, s.send_errors, s.flush_errors, s.commits);
    }
    if (store_) (void)store_->flush();
  }

 private:
  void build_engine(const config::Config& cfg) {
    auto boot = plugins::make_boot_policy(cfg.dhcp, config_dir(cfg));
    if (!boot) throw std::runtime_error("dhcp: " + boot.error());
    boot_ = std::move(*boot);
    engine_ = std::make_unique<dhcp::Server>(config::to_server_config(cfg.dhcp), *store_, *boot_);
    hook_events_ = {cfg.dhcp.hooks.events.begin(), cfg.dhcp.hooks.events.end()};
  }

  void on_event(const dhcp::Received& in, const dhcp::Outcome& out) {
    using dhcp::Action;
    const auto level = out.action == Action::malformed ? spdlog::level::debug
                       : out.action == Action::naked   ? spdlog::level::warn
                                                       : spdlog::level::info;
    const bool log = spdlog::should_log(level);
    const bool hook = hooks_ && out.lease;
    if (!log && !hook) return;  // the hot path at a quiet log level: nothing to format
    std::string mac, address;
    std::optional<dhcp::Packet> req;
    if (out.lease) {
      mac = out.lease->hw.to_string();
      address = dhcp::to_string(out.lease->address);
    }
    if (out.action != Action::malformed) {
      if (auto p = dhcp::parse(in.payload)) req = std::move(*p);
      if (req && mac.empty()) mac = req->hw_address().to_string();
      if (req && address.empty() && req->ciaddr) address = dhcp::to_string(req->ciaddr);
    }
    if (log) {
      const std::string vlan = in.vlan ? fmt::format(" vlan={}", *in.vlan) : "";
      const std::string boot =
          out.reply && !out.reply->boot_file.empty() ? fmt::format(" boot=\"{}\" ({})", out.reply->boot_file, out.reply->boot_rule) : "";
      spdlog::log(level, "dhcp {} {} {} subnet={} via {}{}{}{}{}", dhcp::to_string(out.action), mac.empty() ? "-" : mac,
                  address.empty() ? "-" : address, out.subnet.empty() ? "-" : out.subnet, in.interface, vlan,
                  req && req->giaddr ? " relay=" + dhcp::to_string(req->giaddr) : "", boot,
                  out.reason.empty() ? "" : ": " + out.reason);
    }
    if (!hooks_ || !out.lease) return;
    std::string event;
    switch (out.action) {
      case Action::acked: event = req && req->ciaddr ? "renewed" : "granted"; break;
      case Action::bootp_reply: event = "granted"; break;
      case Action::released: event = "released"; break;
      case Action::declined: event = "declined"; break;
      default: return;
    }
    run_hook(event, *out.lease, in.now, out.subnet, std::string(in.interface), in.vlan,
             req && req->giaddr ? dhcp::to_string(req->giaddr) : "", out.reply ? out.reply->boot_file : "");
  }

  void run_hook(const std::string& event, const dhcp::Lease& lease, TimePoint now, const std::string& subnet,
                const std::string& interface, std::optional<std::uint16_t> vlan, const std::string& relay,
                const std::string& boot_file) {
    if (!hook_events_.contains(event)) return;
    const auto mac = lease.hw.to_string();
    const auto ip = dhcp::to_string(lease.address);
    net::HookEnv env{{"BOOTGATE_EVENT", event},
                     {"BOOTGATE_MAC", mac},
                     {"BOOTGATE_IP", ip},
                     {"BOOTGATE_HOSTNAME", lease.hostname},
                     {"BOOTGATE_CLIENT_ID", lease.client.to_string()},
                     {"BOOTGATE_SUBNET", subnet},
                     {"BOOTGATE_INTERFACE", interface},
                     {"BOOTGATE_LEASE_STATE", std::string(dhcp::to_string(lease.state))}};
    if (lease.expires != dhcp::kNever) {
      env.emplace_back("BOOTGATE_LEASE_EXPIRES", std::to_string(unix_seconds(lease.expires, now)));
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(lease.expires - now).count();
      env.emplace_back("BOOTGATE_LEASE_REMAINING", std::to_string(std::max<std::int64_t>(0, left)));
    } else {
      env.emplace_back("BOOTGATE_LEASE_EXPIRES", "never");
    }
    if (vlan) env.emplace_back("BOOTGATE_VLAN", std::to_string(*vlan));
    if (!relay.empty()) env.emplace_back("BOOTGATE_RELAY", relay);
    if (!boot_file.empty()) env.emplace_back("BOOTGATE_BOOT_FILE", boot_file);
    hooks_->run(event, {mac, ip, lease.hostname}, std::move(env));
  }

  // Bound leases whose time ran out since the last tick get an "expired" hook.
  void on_tick(TimePoint now) {
    if (hooks_ && hook_events_.contains("expired")) {
      for (const auto& l : store_->list())
        if (l.state == dhcp::LeaseState::bound && l.expires > last_tick_ && l.expires <= now)
          run_hook("expired", l, now, subnet_of(l.address), "", std::nullopt, "", "");
    }
    last_tick_ = now;
  }

  std::string subnet_of(dhcp::Ipv4 a) const {
    for (const auto& s : engine_->config().subnets)
      if (s.contains(a)) return s.name;
    return "";
  }

  config::DhcpSection section_;
  std::unique_ptr<store::SqliteLeaseStore> store_;
  std::shared_ptr<const dhcp::BootPolicy> boot_;
  std::unique_ptr<dhcp::Server> engine_;
  std::unique_ptr<net::HookRunner> hooks_;  // before net_: the datapath calls into it
  std::unique_ptr<net::DhcpSocketServer> net_;
  std::set<std::string> hook_events_;
  TimePoint last_tick_{};
};

}  // namespace

std::unique_ptr<Service> start_dhcp_service(boost::asio::io_context& io, const config::Config& cfg) {
  if (!cfg.dhcp.enabled) return nullptr;
  return std::make_unique<DhcpService>(io, cfg);
}

}  // namespace bootgate::app
