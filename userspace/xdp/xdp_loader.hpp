#pragma once
// Owns the XDP program: loads the skeleton, fills its maps from config, attaches it to interfaces,
// pins the maps for `bootgate stats`, and undoes all of that on destruction.
//
// Attach path: plain bpf_xdp_attach() (netlink), not libxdp. libxdp 1.3's multi-program dispatcher
// wants to load the program itself as a freplace extension, which does not compose with a
// skeleton-owned object, and it needs bpffs inside every netns. With netlink attach the program
// stays attached if bootgate crashes (the filter keeps protecting the host), and the next start
// recognises its own program by name and swaps it with XDP_FLAGS_REPLACE, so nothing stacks. A
// foreign XDP program on the interface is never replaced: that is a clear error instead.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/xdp_config.hpp"
#include "xdp/stats.hpp"
#include "xdp/vlan_offload.hpp"
#include "xdp/xdp_error.hpp"

struct bootgate_bpf;  // generated skeleton (bootgate.skel.h)

namespace bootgate::xdp {

// The program's name as the kernel reports it; how a stale attachment is recognised.
inline constexpr const char* kProgramName = "bootgate_xdp";

enum class AttachMode { native, generic };
const char* to_string(AttachMode mode);

struct LoaderOptions {
  bool pin_maps = true;  // under section.pin_dir; tests that only run BPF_PROG_TEST_RUN turn it off
};

struct AttachResult {
  std::string ifname;
  unsigned ifindex = 0;
  AttachMode mode = AttachMode::native;  // what is actually attached
  bool replaced_stale = false;           // a bootgate program from an earlier run was swapped out
  std::vector<std::string> notes;        // one-line notices for the log (fallback, offload, ...)
};

class XdpLoader {
 public:
  // Opens the skeleton, sizes the tables from section.tables, loads it through the verifier,
  // installs section's policy and pins the maps. Attaches nothing yet. Throws XdpError.
  explicit XdpLoader(const config::XdpSection& section, LoaderOptions options = {});
  ~XdpLoader();  // detaches everything it attached, restores offloads, unpins
  XdpLoader(const XdpLoader&) = delete;
  XdpLoader& operator=(const XdpLoader&) = delete;

  // Attaches to one interface (native, falling back to generic unless `how` forbids it).
  AttachResult attach(const std::string& ifname, config::XdpAttach how = config::XdpAttach::automatic);
  // Attaches to every interface of the section, and from then on reload() follows the section's
  // interface list (attaching new ones, detaching removed ones).
  std::vector<AttachResult> attach_all(const config::XdpSection& section);
  void detach(const std::string& ifname);
  void detach_all();

  // SIGHUP: installs a new policy atomically (see policy.hpp). Table sizes and pin_dir are fixed
  // at load. After attach_all(), interfaces added to the section are attached, removed ones detached.
  std::vector<AttachResult> reload(const config::XdpSection& section);

  // AF_XDP: frames admitted on `queue` go to this socket instead of the kernel stack.
  void register_xsk(std::uint32_t queue, int xsk_fd);
  void unregister_xsk(std::uint32_t queue);

  // Forgets sources idle for longer than `idle` (their buckets are full again anyway), so the
  // fail-closed source table has room for new clients. Call it periodically (e.g. every second).
  std::size_t expire_idle_sources(std::chrono::nanoseconds idle);
  // The smallest safe idle time for the current rates: time to refill an empty bucket.
  std::chrono::nanoseconds refill_time() const;

  Stats stats() const;
  const std::string& pin_dir() const { return section_.pin_dir; }
  int program_fd() const;
  bootgate_bpf& skeleton() { return *skel_; }

 private:
  struct Attached {
    std::string ifname;
    unsigned ifindex;
    AttachMode mode;
    bool restore_rx_vlan;  // we turned rx-vlan-hw-parse off; turn it back on at detach
  };
  void pin_maps();
  void unpin_maps();
  void detach(const Attached& a);

  std::unique_ptr<bootgate_bpf, void (*)(bootgate_bpf*)> skel_;
  LoaderOptions options_;
  config::XdpSection section_;
  std::vector<Attached> attached_;
  bool pinned_ = false;
  bool follow_interfaces_ = false;  // set by attach_all()
};

// The app's entry point. mode off → nullptr. optional → on any XdpError logs one line
// ("xdp: ... — running without XDP protection") and returns nullptr. required → rethrows.
// On success the program is attached to every configured interface and each result is logged.
std::unique_ptr<XdpLoader> start_xdp(const config::XdpSection& section,
                                     const std::function<void(const std::string&)>& log,
                                     LoaderOptions options = {});

}  // namespace bootgate::xdp
