#include "xdp/xdp_loader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

#include "bootgate.skel.h"
#include "core/common/unique_fd.hpp"
#include "xdp/policy.hpp"

namespace bootgate::xdp {
namespace {

constexpr const char* kBpffs = "/sys/fs/bpf";

// libbpf talks through a global print callback. Capture it while loading so a failure can be
// reported in one line; echo it only when BOOTGATE_BPF_VERBOSE is set.
std::mutex g_log_mutex;
std::string g_last_log_line;

int capture_libbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
  char buf[1024];
  va_list copy;
  va_copy(copy, args);
  std::vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (level != LIBBPF_DEBUG && !line.empty()) {
    std::lock_guard lock(g_log_mutex);
    g_last_log_line = line;
  }
  if (std::getenv("BOOTGATE_BPF_VERBOSE")) std::fprintf(stderr, "%s\n", buf);
  return 0;
}

class LibbpfCapture {
 public:
  LibbpfCapture() : previous_(libbpf_set_print(capture_libbpf)) {
    std::lock_guard lock(g_log_mutex);
    g_last_log_line.clear();
  }
  ~LibbpfCapture() { libbpf_set_print(previous_); }
  LibbpfCapture(const LibbpfCapture&) = delete;
  LibbpfCapture& operator=(const LibbpfCapture&) = delete;
  static std::string last() {
    std::lock_guard lock(g_log_mutex);
    return g_last_log_line;
  }

 private:
  libbpf_print_fn_t previous_;
};

bool privilege_error(int err) { return err == EPERM || (err == EACCES && geteuid() != 0); }

[[noreturn]] void load_failed(int err, const std::string& stage) {
  const auto detail = LibbpfCapture::last();
  const std::string why = std::strerror(err) + (detail.empty() ? "" : " [" + detail + "]");
  if (privilege_error(err))
    throw XdpError(XdpFailure::not_privileged, "xdp: " + stage + " needs root or CAP_BPF + CAP_NET_ADMIN (" + why + ")");
  if (access("/sys/kernel/btf/vmlinux", F_OK) != 0)
    throw XdpError(XdpFailure::no_btf, "xdp: kernel has no BTF (/sys/kernel/btf/vmlinux missing); " + stage + " failed: " + why);
  throw XdpError(XdpFailure::system, "xdp: " + stage + " failed: " + why);
}

std::uint32_t mode_flag(AttachMode m) { return m == AttachMode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }

// The name of program `id`, and an fd to it (for XDP_FLAGS_REPLACE).
std::string program_name(std::uint32_t id, UniqueFd& fd) {
  fd.reset(bpf_prog_get_fd_by_id(id));
  if (!fd) return "?";
  bpf_prog_info info{};
  std::uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return "?";
  return info.name;
}

void ensure_bpffs() {
  struct statfs st{};
  if (statfs(kBpffs, &st) == 0 && st.f_type == BPF_FS_MAGIC) return;
  // Not mounted here (e.g. inside `ip netns exec`, which remounts /sys).
  mkdir(kBpffs, 0700);
  if (mount("bpf", kBpffs, "bpf", 0, "mode=0700") != 0) {
    const int err = errno;
    throw XdpError(privilege_error(err) ? XdpFailure::not_privileged : XdpFailure::system,
                   std::string("xdp: cannot mount bpffs at ") + kBpffs + ": " + std::strerror(err));
  }
}

void mkdir_p(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const auto part = dir.substr(0, pos);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      throw XdpError(XdpFailure::system, "xdp: cannot create " + part + ": " + std::strerror(errno));
  }
}

bool has_tagged_vlan(const config::XdpSection& s, const std::string& ifname) {
  for (const auto& i : s.interfaces)
    if (i.name == ifname)
      return std::any_of(i.vlans.begin(), i.vlans.end(), [](const auto& v) { return v.vlan.inner.has_value(); });
  return false;
}

std::uint64_t program_clock_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);  // the clock behind bpf_ktime_get_coarse_ns()
  return static_cast<std::uint64_t>(ts.tv_sec) * BG_NS_PER_SEC + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

const char* to_string(XdpFailure f) {
  switch (f) {
    case XdpFailure::not_privileged: return "not_privileged";
    case XdpFailure::no_btf: return "no_btf";
    case XdpFailure::no_xdp: return "no_xdp";
    case XdpFailure::interface: return "interface";
    case XdpFailure::conflict: return "conflict";
    case XdpFailure::policy: return "policy";
    case XdpFailure::system: return "system";
  }
  return "?";
}

const char* to_string(AttachMode mode) { return mode == AttachMode::native ? "native" : "generic"; }

XdpLoader::XdpLoader(const config::XdpSection& section, LoaderOptions options)
    : skel_(nullptr, bootgate_bpf__destroy), options_(options), section_(section) {
  LibbpfCapture capture;
  skel_.reset(bootgate_bpf__open());
  if (!skel_) load_failed(errno, "opening the XDP object");
  const auto& t = section.tables;
  bpf_map__set_max_entries(skel_->maps.bg_sources, t.sources);
  bpf_map__set_max_entries(skel_->maps.bg_prefixes, t.prefixes);
  bpf_map__set_max_entries(skel_->maps.bg_vlans, t.vlans);
  bpf_map__set_max_entries(skel_->maps.bg_macs, t.macs);
  if (const int err = bootgate_bpf__load(skel_.get())) load_failed(-err, "loading the XDP program");

  PolicyMaps maps{bpf_map__fd(skel_->maps.bg_control), bpf_map__fd(skel_->maps.bg_config),
                  bpf_map__fd(skel_->maps.bg_vlans),   bpf_map__fd(skel_->maps.bg_prefixes),
                  bpf_map__fd(skel_->maps.bg_macs)};
  apply_policy(maps, section);
  if (options_.pin_maps) pin_maps();
}

XdpLoader::~XdpLoader() {
  detach_all();
  if (pinned_) unpin_maps();
}

int XdpLoader::program_fd() const { return bpf_program__fd(skel_->progs.bootgate_xdp); }

void XdpLoader::pin_maps() {
  const auto& dir = section_.pin_dir;
  if (dir.rfind(std::string(kBpffs) + "/", 0) == 0) ensure_bpffs();
  mkdir_p(dir);
  struct statfs st{};
  if (statfs(dir.c_str(), &st) != 0 || st.f_type != BPF_FS_MAGIC)
    throw XdpError(XdpFailure::system, "xdp: pin_dir " + dir + " is not on a bpffs (mount -t bpf bpf DIR first)");
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel_->obj) {
    const auto path = section_.pin_dir + "/" + bpf_map__name(map);
    unlink(path.c_str());  // a crashed run's pin: replace, don't fail
    if (const int err = bpf_map__pin(map, path.c_str()))
      throw XdpError(XdpFailure::system, "xdp: cannot pin " + path + ": " + std::strerror(-err));
  }
  pinned_ = true;
}

void XdpLoader::unpin_maps() {
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, skel_->obj) bpf_map__unpin(map, nullptr);
  rmdir(section_.pin_dir.c_str());
  pinned_ = false;
}

AttachResult XdpLoader::attach(const std::string& ifname, config::XdpAttach how) {
  LibbpfCapture capture;  // netlink extack messages become part of our one-line notes
  AttachResult r;
  r.ifname = ifname;
  for (const auto& a : attached_)
    if (a.ifname == ifname) {
      r.ifindex = a.ifindex;
      r.mode = a.mode;
      return r;
    }
  r.ifindex = if_nametoindex(ifname.c_str());
  if (r.ifindex == 0) throw XdpError(XdpFailure::interface, "xdp: interface '" + ifname + "' does not exist");

  LIBBPF_OPTS(bpf_xdp_query_opts, query);
  if (const int err = bpf_xdp_query(static_cast<int>(r.ifindex), 0, &query))
    throw XdpError(privilege_error(-err) ? XdpFailure::not_privileged : XdpFailure::no_xdp,
                   "xdp: cannot query XDP on " + ifname + ": " + std::strerror(-err));
  if (query.hw_prog_id)
    throw XdpError(XdpFailure::conflict, "xdp: " + ifname + " has a hardware-offloaded XDP program; not touching it");

  // A program already attached is either ours from a crashed run (replace it) or someone else's
  // (refuse). stale[0] = native, stale[1] = generic.
  UniqueFd stale[2];
  const std::uint32_t ids[2] = {query.drv_prog_id, query.skb_prog_id};
  for (int m = 0; m < 2; ++m) {
    if (!ids[m]) continue;
    UniqueFd fd;
    const auto name = program_name(ids[m], fd);
    if (name != kProgramName)
      throw XdpError(XdpFailure::conflict, "xdp: " + ifname + " already runs XDP program '" + name + "' (id " +
                                               std::to_string(ids[m]) + "); bootgate will not replace it");
    stale[m] = std::move(fd);
  }

  const int ifindex = static_cast<int>(r.ifindex);
  auto remove_stale = [&](AttachMode m) {
    auto& fd = stale[m == AttachMode::native ? 0 : 1];
    if (!fd) return;
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd.get());
    bpf_xdp_detach(ifindex, mode_flag(m) | XDP_FLAGS_REPLACE, &opts);
    fd.reset();
    r.replaced_stale = true;
  };
  auto try_attach = [&](AttachMode m) {
    auto& fd = stale[m == AttachMode::native ? 0 : 1];
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
    std::uint32_t flags = mode_flag(m);
    if (fd) {
      flags |= XDP_FLAGS_REPLACE;  // atomic swap: no moment without a filter
      opts.old_prog_fd = fd.get();
    } else {
      flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;  // never clobber a program that appeared meanwhile
    }
    const int err = bpf_xdp_attach(ifindex, program_fd(), flags, &opts);
    if (err == 0 && fd) r.replaced_stale = true;
    return -err;
  };

  int err = 0;
  bool done = false;
  if (how != config::XdpAttach::generic) {
    remove_stale(AttachMode::generic);  // the kernel refuses native and generic at once
    err = try_attach(AttachMode::native);
    done = err == 0;
    if (done) r.mode = AttachMode::native;
    else if (privilege_error(err))
      throw XdpError(XdpFailure::not_privileged, "xdp: attaching to " + ifname + " needs root or CAP_NET_ADMIN");
    else if (how == config::XdpAttach::native)
      throw XdpError(XdpFailure::no_xdp, "xdp: native XDP not available on " + ifname + ": " + std::strerror(err));
    else
      r.notes.push_back("xdp: native XDP failed on " + ifname + " (" + std::strerror(err) +
                        (LibbpfCapture::last().empty() ? "" : ": " + LibbpfCapture::last()) +
                        "); falling back to generic (SKB) mode");
  }
  if (!done) {
    remove_stale(AttachMode::native);
    err = try_attach(AttachMode::generic);
    if (err != 0)
      throw XdpError(privilege_error(err) ? XdpFailure::not_privileged : XdpFailure::no_xdp,
                     "xdp: cannot attach to " + ifname + " in generic mode: " + std::strerror(err));
    r.mode = AttachMode::generic;
  }

  Attached a{ifname, r.ifindex, r.mode, false};
  attached_.push_back(a);  // from here on the destructor detaches it

  // VLAN offload: with rx-vlan-hw-parse on, tags may be stripped before XDP sees them.
  if (has_tagged_vlan(section_, ifname)) {
    std::string error;
    const auto off = query_vlan_offload(ifname, &error);
    if (!off) {
      r.notes.push_back("xdp: warning: cannot read VLAN offload on " + ifname + " (" + error +
                        "); if the NIC strips tags, tagged clients look untagged to XDP");
    } else if (off->rx_vlan_hw_parse) {
      if (section_.disable_vlan_offload && set_rx_vlan_offload(ifname, false, &error)) {
        attached_.back().restore_rx_vlan = true;
        r.notes.push_back("xdp: turned rx-vlan-hw-parse off on " + ifname + " so XDP sees VLAN tags (restored at exit)");
      } else {
        r.notes.push_back("xdp: warning: rx-vlan-hw-parse is on on " + ifname +
                          (error.empty() ? std::string(" (xdp.disable_vlan_offload is false)") : " and stays on (" + error + ")") +
                          "; tagged clients may look untagged to XDP");
      }
    }
  }
  return r;
}

std::vector<AttachResult> XdpLoader::attach_all(const config::XdpSection& section) {
  follow_interfaces_ = true;
  std::vector<AttachResult> out;
  for (const auto& i : section.interfaces) out.push_back(attach(i.name, section.attach));
  return out;
}

void XdpLoader::detach(const Attached& a) {
  // XDP_FLAGS_REPLACE with our fd: only remove the program if it is still ours.
  LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = program_fd());
  bpf_xdp_detach(static_cast<int>(a.ifindex), mode_flag(a.mode) | XDP_FLAGS_REPLACE, &opts);
  if (a.restore_rx_vlan) set_rx_vlan_offload(a.ifname, true);
}

void XdpLoader::detach(const std::string& ifname) {
  auto it = std::find_if(attached_.begin(), attached_.end(), [&](const Attached& a) { return a.ifname == ifname; });
  if (it == attached_.end()) return;
  detach(*it);
  attached_.erase(it);
}

void XdpLoader::detach_all() {
  while (!attached_.empty()) {
    detach(attached_.back());
    attached_.pop_back();
  }
}

std::vector<AttachResult> XdpLoader::reload(const config::XdpSection& section) {
  // Interfaces leaving the policy are detached first: until then they would drop as "VLAN".
  std::vector<std::string> gone;
  if (follow_interfaces_)
    for (const auto& a : attached_)
      if (std::none_of(section.interfaces.begin(), section.interfaces.end(),
                       [&](const auto& i) { return i.name == a.ifname; }))
        gone.push_back(a.ifname);
  for (const auto& name : gone) detach(name);

  PolicyMaps maps{bpf_map__fd(skel_->maps.bg_control), bpf_map__fd(skel_->maps.bg_config),
                  bpf_map__fd(skel_->maps.bg_vlans),   bpf_map__fd(skel_->maps.bg_prefixes),
                  bpf_map__fd(skel_->maps.bg_macs)};
  apply_policy(maps, section);
  const auto old_pin_dir = section_.pin_dir;
  const auto old_tables = section_.tables;
  section_ = section;
  section_.pin_dir = old_pin_dir;  // maps stay where `bootgate stats` looks for them
  section_.tables = old_tables;

  // New interfaces are attached after the policy that names them is live.
  std::vector<AttachResult> out;
  if (!follow_interfaces_) return out;
  for (const auto& i : section.interfaces) {
    const bool known = std::any_of(attached_.begin(), attached_.end(), [&](const Attached& a) { return a.ifname == i.name; });
    if (!known) out.push_back(attach(i.name, section.attach));
  }
  return out;
}

void XdpLoader::register_xsk(std::uint32_t queue, int xsk_fd) {
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.bg_xsks), &queue, &xsk_fd, BPF_ANY) != 0)
    throw XdpError(XdpFailure::system, "xdp: cannot register AF_XDP socket for queue " + std::to_string(queue) + ": " +
                                           std::strerror(errno));
}

void XdpLoader::unregister_xsk(std::uint32_t queue) { bpf_map_delete_elem(bpf_map__fd(skel_->maps.bg_xsks), &queue); }

std::size_t XdpLoader::expire_idle_sources(std::chrono::nanoseconds idle) {
  const int fd = bpf_map__fd(skel_->maps.bg_sources);
  // The program's clock may carry the test offset; read it from the live config.
  const std::uint32_t zero = 0;
  bg_control control{};
  bpf_map_lookup_elem(bpf_map__fd(skel_->maps.bg_control), &zero, &control);
  std::uint32_t gen = control.generation & 1;
  bg_config cfg{};
  bpf_map_lookup_elem(bpf_map__fd(skel_->maps.bg_config), &gen, &cfg);
  const std::uint64_t now = program_clock_ns() + cfg.clock_offset_ns;
  const auto idle_ns = static_cast<std::uint64_t>(idle.count());

  std::vector<bg_source_key> doomed;
  bg_source_key cur{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    bg_source v{};
    if (bpf_map_lookup_elem(fd, &next, &v) == 0) {
      const auto last = std::max(v.request.last_ns, v.transfer.last_ns);
      if (now > last && now - last > idle_ns) doomed.push_back(next);
    }
    cur = next;
    prev = &cur;
  }
  for (const auto& k : doomed) bpf_map_delete_elem(fd, &k);
  return doomed.size();
}

std::chrono::nanoseconds XdpLoader::refill_time() const {
  auto secs = [](std::uint32_t burst, std::uint32_t rate) { return rate ? (burst + rate - 1) / rate : 0u; };
  const auto& r = section_.rate;
  const auto s = std::max({1u, secs(r.burst, r.requests_per_second), secs(r.transfer_burst, r.transfer_packets_per_second)});
  return std::chrono::seconds(s);
}

Stats XdpLoader::stats() const {
  return StatsReader::from_fds(bpf_map__fd(skel_->maps.bg_counters), bpf_map__fd(skel_->maps.bg_vlan_stats)).read();
}

std::unique_ptr<XdpLoader> start_xdp(const config::XdpSection& section, const std::function<void(const std::string&)>& log,
                                     LoaderOptions options) {
  if (section.mode == config::XdpMode::off) return nullptr;
  try {
    auto loader = std::make_unique<XdpLoader>(section, options);
    for (const auto& r : loader->attach_all(section)) {
      for (const auto& n : r.notes) log(n);
      log("xdp: attached to " + r.ifname + " in " + to_string(r.mode) + " mode" +
          (r.replaced_stale ? " (replaced a stale bootgate program)" : ""));
    }
    return loader;
  } catch (const XdpError& e) {
    if (section.mode == config::XdpMode::required) throw;
    log(std::string(e.what()) + " - running without XDP protection (xdp.mode: optional)");
    return nullptr;
  }
}

}  // namespace bootgate::xdp
