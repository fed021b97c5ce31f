// The XDP front end inside `bootgate serve`: attaches the filter before any socket opens, keeps the
// per-source table tidy once a second, applies new policy on SIGHUP and detaches on stop.
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <stdexcept>

#include "app/service.hpp"

#if BOOTGATE_HAVE_XDP
#include "xdp/xdp_loader.hpp"
#endif

namespace bootgate::app {
namespace {

#if BOOTGATE_HAVE_XDP

// The XDP section as the program should see it: without its own tftp_transfer_ports, the transfer
// ports are the TFTP server's port range. Without any range (the kernel picks transfer ports), the
// program cannot tell transfer packets from other UDP, so they pass unfiltered: say so.
config::XdpSection effective_section(const config::Config& cfg) {
  auto s = cfg.xdp;
  if (s.mode == config::XdpMode::off) return s;
  if (!s.transfer_ports_explicit && cfg.tftp.port_min != 0) {
    s.transfer_port_lo = cfg.tftp.port_min;
    s.transfer_port_hi = cfg.tftp.port_max;
  }
  const bool single_port = cfg.tftp.engine.single_port;  // transfers run on port 69 itself
  if (cfg.tftp.enabled && !single_port && s.transfer_port_lo == 0)
    spdlog::warn("xdp: no TFTP transfer port range (set tftp.port_range or xdp.tftp_transfer_ports): "
                 "transfer packets pass the filter unchecked");
  if (config::wants_af_xdp(cfg) && !s.interfaces.empty())
    s.af_xdp_interface = s.interfaces.front().name;
  // The program knows TFTP by port 69 only.
  if (cfg.tftp.enabled)
    for (const auto& ep : cfg.tftp.listen)
      if (ep.port != 69 && ep.port != 0)
        spdlog::warn("xdp: tftp.listen {} is not port 69: requests to it pass the filter unchecked", ep.to_string());
  return s;
}

// The program treats every packet to a transfer port as TFTP (filtered, and with AF_XDP taken from
// the kernel). If the kernel also hands those ports out as ephemeral ports, a local program's UDP
// replies (a resolver's, say) can land in the range: say so once at start.
void warn_if_ephemeral(const config::XdpSection& s) {
  if (s.transfer_port_lo == 0) return;
  std::ifstream f("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned lo = 0, hi = 0;
  if (!(f >> lo >> hi) || s.transfer_port_hi < lo || s.transfer_port_lo > hi) return;
  spdlog::warn("xdp: TFTP transfer ports {}-{} overlap the kernel's ephemeral ports {}-{} "
               "(net.ipv4.ip_local_port_range): a local program's UDP traffic on such a port is taken for "
               "TFTP; choose a range outside it, or list it in net.ipv4.ip_local_reserved_ports",
               s.transfer_port_lo, s.transfer_port_hi, lo, hi);
}

// The loader's one-line notices; the ones that mean "less protection than configured" are warnings.
void log_line(const std::string& line) {
  const bool bad = line.find("warning") != std::string::npos || line.find("without XDP protection") != std::string::npos ||
                   line.find("falling back") != std::string::npos;
  spdlog::log(bad ? spdlog::level::warn : spdlog::level::info, "{}", line);
}

void log_attached(const std::vector<xdp::AttachResult>& results) {
  for (const auto& r : results) {
    for (const auto& n : r.notes) log_line(n);
    spdlog::info("xdp: attached to {} in {} mode{}", r.ifname, xdp::to_string(r.mode),
                 r.replaced_stale ? " (replaced a stale bootgate program)" : "");
  }
}

class XdpService final : public Service, public AfXdpHost {
 public:
  XdpService(boost::asio::io_context& io, std::unique_ptr<xdp::XdpLoader> loader, const config::XdpSection& section)
      : timer_(io), loader_(std::move(loader)), section_(section) {
    arm_timer();
  }

  std::string name() const override { return "xdp"; }

  void register_xsk(std::uint32_t queue, int xsk_fd) override {
    if (loader_) loader_->register_xsk(queue, xsk_fd);
  }
  void keep_attached_on_stop() override { keep_attached_ = true; }

  void reload(const config::Config& cfg) override {
    auto next = effective_section(cfg);
    // The AF_XDP sockets were opened at start for one interface: that stays until a restart.
    if (next.af_xdp_interface != section_.af_xdp_interface)
      spdlog::warn("reload: tftp.datapath and the AF_XDP interface take effect at restart only");
    next.af_xdp_interface = section_.af_xdp_interface;
    if (next.mode == config::XdpMode::off) {
      if (loader_) spdlog::warn("xdp: mode is off now: detaching, traffic is no longer filtered");
      loader_.reset();
      section_ = next;
      return;
    }
    if (!loader_) {  // was off, or failed at start under `optional`
      try {
        loader_ = xdp::start_xdp(next, log_line);
      } catch (const xdp::XdpError& e) {  // required: we are already serving, so report and go on
        spdlog::error("{} (xdp.mode: required; still running without XDP protection)", e.what());
      }
      section_ = next;
      return;
    }
    if (next.pin_dir != section_.pin_dir || next.tables != section_.tables)
      spdlog::warn("reload: xdp.pin_dir and xdp.tables take effect at restart only");
    try {
      log_attached(loader_->reload(next));
      section_ = next;
      spdlog::info("xdp: policy reloaded ({} interface{})", next.interfaces.size(),
                   next.interfaces.size() == 1 ? "" : "s");
    } catch (const xdp::XdpError& e) {
      spdlog::error("xdp: reload failed: {} (keeping the running policy)", e.what());
    }
  }

  void stop() override {
    stopped_ = true;
    timer_.cancel();
    // Detach now: draining transfers then run on the socket datapath, which does not need XDP.
    // AF_XDP transfers do: then the program stays until exit.
    if (keep_attached_) return;
    if (loader_) log_final_stats();
    loader_.reset();
  }

  ~XdpService() override {
    if (loader_ && keep_attached_) log_final_stats();
  }

 private:
  void arm_timer() {
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      if (loader_) {
        try {
          if (auto n = loader_->expire_idle_sources(loader_->refill_time()))
            spdlog::debug("xdp: forgot {} idle sources", n);
        } catch (const std::exception& e) {
          spdlog::warn("xdp: expiring idle sources: {}", e.what());
        }
      }
      arm_timer();
    });
  }

  void log_final_stats() {
    const auto s = loader_->stats();
    spdlog::info("xdp: {} not ours (passed), {} admitted, {} dropped", s.verdict[BG_VERDICT_PASS],
                 s.verdict[BG_VERDICT_ADMIT_PASS] + s.verdict[BG_VERDICT_ADMIT_REDIRECT], s.verdict[BG_VERDICT_DROP]);
  }

  boost::asio::steady_timer timer_;
  std::unique_ptr<xdp::XdpLoader> loader_;
  config::XdpSection section_;
  bool stopped_ = false;
  bool keep_attached_ = false;
};

#endif  // BOOTGATE_HAVE_XDP

}  // namespace

std::unique_ptr<Service> start_xdp_service(boost::asio::io_context& io, const config::Config& cfg) {
  if (cfg.xdp.mode == config::XdpMode::off) return nullptr;
#if BOOTGATE_HAVE_XDP
  const auto section = effective_section(cfg);
  warn_if_ephemeral(section);
  auto loader = xdp::start_xdp(section, log_line);  // required: throws XdpError (one line)
  if (!loader) return nullptr;                       // optional and failed: already logged
  return std::make_unique<XdpService>(io, std::move(loader), section);
#else
  (void)io;
  if (cfg.xdp.mode == config::XdpMode::required)
    throw std::runtime_error("xdp: built without XDP support (BOOTGATE_BPF=OFF) but xdp.mode is required");
  spdlog::warn("xdp: built without XDP support (BOOTGATE_BPF=OFF) - running without XDP protection");
  return nullptr;
#endif
}

}  // namespace bootgate::app
