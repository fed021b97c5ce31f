// bootgate explain / leases: ask the DHCP engine what a client would get, list the lease table.
// Both open the lease database read-only, so they are safe while `serve` runs.
#include <filesystem>
#include <iostream>
#include <spdlog/fmt/fmt.h>

#include "app/commands.hpp"
#include "config/config.hpp"
#include "core/dhcp/arch.hpp"
#include "core/dhcp/memory_lease_store.hpp"
#include "core/dhcp/server.hpp"
#include "loader/plugin_loader.hpp"
#include "store/leases/sqlite_lease_store.hpp"

namespace bootgate::app {
namespace {

namespace fs = std::filesystem;

config::Config load_or_exit(const std::string& path) {
  try {
    return config::load_config(path);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    throw CLI::RuntimeError(kExitUsage);
  }
}

fs::path lease_path(const config::Config& cfg) {
  fs::path db(cfg.dhcp.lease_database);
  if (db.is_relative()) db = fs::absolute(cfg.path).parent_path() / db;
  return db;
}

// The lease table, read-only; an empty table when the database does not exist yet.
std::unique_ptr<dhcp::LeaseStore> open_leases(const config::Config& cfg, bool& exists) {
  const auto db = lease_path(cfg);
  exists = fs::exists(db);
  if (!exists) return std::make_unique<dhcp::MemoryLeaseStore>();
  store::SqliteLeaseStoreOptions opts;
  opts.read_only = true;
  auto s = store::SqliteLeaseStore::open(db.string(), opts);
  if (!s) {
    std::cerr << "bootgate: lease database " << db.string() << ": " << s.error().message << "\n";
    throw CLI::RuntimeError(kExitFailed);
  }
  return std::move(*s);
}

struct ExplainArgs {
  std::string config = "config/bootgate.yaml";
  std::string mac;
  std::optional<std::string> arch;
  std::optional<std::uint16_t> vlan;
  std::string user_class;
  std::string vendor_class;
  std::string relay;
  std::string interface;
};

int explain(const ExplainArgs& a) {
  const auto cfg = load_or_exit(a.config);
  dhcp::ExplainQuery q;
  auto hw = dhcp::HwAddress::parse_mac(a.mac);
  if (!hw) {
    std::cerr << "bootgate: --mac '" << a.mac << "' is not a MAC address like 52:54:00:12:34:56\n";
    return kExitUsage;
  }
  q.hw = *hw;
  if (a.arch) {
    auto codes = dhcp::arch_codes(*a.arch);
    if (!codes || codes->empty()) {
      std::cerr << "bootgate: --arch '" << *a.arch << "' is not a number or one of " << dhcp::arch_name_list() << "\n";
      return kExitUsage;
    }
    q.arch = codes->front();
  }
  q.vlan = a.vlan;
  q.user_class = a.user_class;
  q.vendor_class = a.vendor_class;
  q.interface = a.interface;
  // One served interface: a request can only arrive there.
  if (q.interface.empty() && cfg.dhcp.interfaces.size() == 1) q.interface = cfg.dhcp.interfaces.front();
  if (!a.relay.empty()) {
    auto r = dhcp::parse_ipv4(a.relay);
    if (!r) {
      std::cerr << "bootgate: --relay '" << a.relay << "' is not an IPv4 address\n";
      return kExitUsage;
    }
    q.relay = *r;
  }

  auto boot = plugins::make_boot_policy(cfg.dhcp, fs::absolute(cfg.path).parent_path().string());
  if (!boot) {
    std::cerr << "bootgate: " << boot.error() << "\n";
    return kExitFailed;
  }
  bool exists = false;
  auto store = open_leases(cfg, exists);
  const dhcp::Server server(config::to_server_config(cfg.dhcp), *store, **boot);
  const auto e = server.explain(q, Clock::now());

  std::cout << "client:    " << q.hw.to_string();
  if (q.arch) std::cout << " arch " << *q.arch << " (" << dhcp::arch_name(*q.arch) << ")";
  if (q.vlan) std::cout << " vlan " << *q.vlan;
  if (q.relay) std::cout << " via relay " << dhcp::to_string(q.relay);
  std::cout << "\n";
  if (!cfg.dhcp.enabled) std::cout << "note:      dhcp.enabled is false in " << cfg.path << "\n";
  std::cout << "subnet:    " << (e.subnet.empty() ? "none" : e.subnet) << " (" << e.subnet_reason << ")\n";
  if (e.proxy) std::cout << "address:   none (" << e.address_reason << ")\n";
  else
    std::cout << "address:   " << (e.address ? dhcp::to_string(*e.address) : "none") << " (" << e.address_reason
              << (exists ? "" : "; no lease database yet") << ")\n";
  std::string hostname = e.hostname;
  if (hostname.empty() && e.boot) hostname = e.boot->hostname;
  if (!hostname.empty()) std::cout << "hostname:  " << hostname << "\n";
  if (e.boot) {
    const auto& t = e.boot->target;
    std::cout << "boot file: " << t.file << "\n";
    std::cout << "next server: " << (t.next_server ? dhcp::to_string(t.next_server) : "this server") << "\n";
    if (!t.server_name.empty()) std::cout << "server name: " << t.server_name << "\n";
    std::cout << "decided by: " << e.boot->rule << "\n";
  } else {
    std::cout << "boot file: none (no rule, arch entry or default matched)\n";
  }
  return 0;
}

std::string remaining(TimePoint expires, TimePoint now) {
  if (expires == dhcp::kNever) return "never";
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(expires - now).count();
  const auto mag = s < 0 ? -s : s;
  const auto text = mag >= 3600 ? fmt::format("{}h{:02}m", mag / 3600, mag % 3600 / 60)
                    : mag >= 60 ? fmt::format("{}m{:02}s", mag / 60, mag % 60)
                                : fmt::format("{}s", mag);
  return s < 0 ? text + " ago" : "in " + text;
}

int leases(const std::string& config_path) {
  const auto cfg = load_or_exit(config_path);
  bool exists = false;
  auto store = open_leases(cfg, exists);
  if (!exists) {
    std::cout << "no lease database yet (" << lease_path(cfg).string() << ")\n";
    return 0;
  }
  auto list = store->list();
  std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.address < y.address; });
  const auto now = Clock::now();
  std::cout << fmt::format("{:<16} {:<18} {:<9} {:<16} {:<20} {}\n", "ADDRESS", "MAC", "STATE", "EXPIRES", "HOSTNAME",
                           "CLIENT-ID");
  for (const auto& l : list) {
    auto state = std::string(dhcp::to_string(l.state));
    if (l.state == dhcp::LeaseState::bound && !l.active(now)) state = "expired";
    std::cout << fmt::format("{:<16} {:<18} {:<9} {:<16} {:<20} {}\n", dhcp::to_string(l.address), l.hw.to_string(),
                             state, remaining(l.expires, now), l.hostname.empty() ? "-" : l.hostname,
                             l.client.to_string());
  }
  std::cout << list.size() << " lease" << (list.size() == 1 ? "" : "s") << "\n";
  return 0;
}

}  // namespace

void add_dhcp_commands(CLI::App& app) {
  auto a = std::make_shared<ExplainArgs>();
  auto* ex = app.add_subcommand("explain", "show the subnet, address and boot file a DHCP client would get");
  ex->add_option("--config,-c", a->config, "site configuration (YAML)")->capture_default_str();
  ex->add_option("--mac", a->mac, "client MAC address")->required();
  ex->add_option("--arch", a->arch, "client architecture (option 93): a number or a name like uefi-x64");
  ex->add_option("--vlan", a->vlan, "802.1Q VLAN the request arrives on")->check(CLI::Range(1, 4094));
  ex->add_option("--user-class", a->user_class, "option 77, e.g. iPXE");
  ex->add_option("--vendor-class", a->vendor_class, "option 60 (default PXEClient when --arch is given)");
  ex->add_option("--relay", a->relay, "relay agent address (giaddr)");
  ex->add_option("--interface", a->interface, "interface the request arrives on (default: the only one in dhcp.interfaces)");
  ex->callback([a] {
    if (int rc = explain(*a)) throw CLI::RuntimeError(rc);
  });

  auto path = std::make_shared<std::string>("config/bootgate.yaml");
  auto* ls = app.add_subcommand("leases", "list the DHCP lease table");
  ls->add_option("--config,-c", *path, "site configuration (YAML)")->capture_default_str();
  ls->callback([path] {
    if (int rc = leases(*path)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace bootgate::app
