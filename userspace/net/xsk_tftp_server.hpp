#pragma once
// Drives tftp::Server from AF_XDP sockets: the XDP program hands over admitted TFTP frames (port 69
// and the transfer port range) from one interface, and replies leave as whole frames on the same
// queue, bypassing the kernel's UDP/IP stack both ways. It runs on its own thread, blocked in
// poll() between packets and timers, so the Asio thread (DHCP, the socket datapath) never waits.
//
// What it does not do, by design: IPv6, IP options or fragments (the program drops fragments),
// QinQ (one tag at most), jumbo frames (2 KiB frames), or routing: a reply goes back to the MAC
// and VLAN the request came from (symmetric, as the client's router or the client itself sent it).
#include <atomic>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/tftp_config.hpp"
#include "core/common/unique_fd.hpp"
#include "core/tftp/server.hpp"
#include "net/frame.hpp"
#include "net/socket_util.hpp"
#include "net/xsk_socket.hpp"

namespace bootgate::net {

// The largest IP packet the AF_XDP datapath carries: the largest frame less Ethernet and two VLAN tags.
inline constexpr std::uint32_t kXskMaxMtu = XskSocket::kMaxFrame - kEthernetHeader - 2 * kVlanTag;

struct XskDatapathStats {
  std::uint64_t rx_frames = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t malformed = 0;     // not an IPv4/UDP frame we can parse, or a bad checksum
  std::uint64_t not_serving = 0;   // a request to an address we do not listen on, or while draining
  std::uint64_t no_transfer = 0;   // to a transfer port with no transfer (it ended)
  std::uint64_t held = 0;          // waited for a free transmit frame (all were in flight)
  std::uint64_t tx_dropped = 0;    // no known peer, or too many waiting: the retransmit timer recovers
  std::uint64_t no_port = 0;       // port_range exhausted
};

class XskTftpServer {
 public:
  // Called on the server's thread.
  using RecordHandler = std::function<void(const tftp::TransferRecord&)>;
  using RegisterQueue = std::function<void(std::uint32_t queue, int xsk_fd)>;

  // Opens an AF_XDP socket on every rx queue of `ifname` and registers each through `register_queue`
  // (the XDP program's socket map). Serves requests to port 69 of cfg.listen's IPv4 addresses
  // (0.0.0.0: any). Throws XskError; starts no thread yet.
  XskTftpServer(const config::TftpSection& cfg, const std::string& ifname, tftp::FileSystem& files,
                const RegisterQueue& register_queue, RecordHandler on_record);
  ~XskTftpServer();  // stops and joins the thread
  XskTftpServer(const XskTftpServer&) = delete;
  XskTftpServer& operator=(const XskTftpServer&) = delete;

  void start();
  // Thread-safe: both take effect on the server's thread at its next wakeup.
  void reload(const config::TftpSection& cfg);
  void stop_listening();
  // Stops the thread (running transfers are abandoned); stats() is exact afterwards.
  void stop();

  std::size_t active() const { return active_.load(std::memory_order_relaxed); }
  std::size_t queues() const { return xsks_.size(); }
  bool zero_copy() const { return !xsks_.empty() && xsks_.front()->zero_copy(); }
  bool checksum_offload() const { return !xsks_.empty() && xsks_.front()->checksum_offload(); }
  const tftp::ServerStats& stats() const { return engine_.stats(); }
  const XskDatapathStats& datapath_stats() const { return dstats_; }

 private:
  struct Flow {
    Endpoint local;  // our address and the transfer's port
    UniqueFd reservation;  // a kernel socket bound to that port, so nothing else can take it
  };
  // What a peer's last frame told us about reaching it.
  struct Neighbor {
    MacAddress mac{};
    MacAddress our_mac{};
    std::optional<std::uint16_t> vlan;
    std::uint8_t vlan_pcp = 0;
    std::size_t xsk = 0;
    TimePoint seen{};
  };

  void run(std::stop_token stop);
  void notify();
  void apply_commands();
  void on_frame(std::size_t xsk, std::span<const std::uint8_t> bytes, TimePoint now);
  bool serves(std::uint32_t ip) const;
  std::optional<std::uint16_t> reserve_port(Flow& flow);
  void send_tx(const Endpoint& listen_local);
  // Queues a frame for when `xsk` has a transmit frame free again, and sends what waited, in order.
  void hold(std::size_t xsk, const UdpFrame& frame);
  void release_held();
  // Builds `frame` into `buf` of socket `x` and queues it; false when the ring stays full.
  bool submit(XskSocket& x, const UdpFrame& frame, std::span<std::uint8_t> buf);
  void after_engine();
  void forget_neighbors(TimePoint now);

  config::TftpSection cfg_;
  tftp::Server engine_;
  RecordHandler on_record_;
  std::vector<std::unique_ptr<XskSocket>> xsks_;
  struct HeldFrame {
    std::vector<std::uint8_t> bytes;
    std::optional<XskSocket::ChecksumRequest> csum;
  };
  std::vector<std::deque<HeldFrame>> held_;  // per socket, oldest first
  std::vector<std::uint32_t> listen_ips_;  // host order; 0 = any
  bool any_ip_ = false;
  std::uint32_t mtu_ = 1500;
  std::unordered_map<std::uint64_t, Flow> flows_;
  std::unordered_map<std::uint16_t, std::uint64_t> by_port_;
  std::unordered_map<std::uint32_t, Neighbor> neighbors_;
  TimePoint next_sweep_{};
  std::uint32_t next_port_ = 0;
  std::uint16_t ip_id_ = 0;
  XskDatapathStats dstats_;
  bool listening_ = true;

  UniqueFd wake_;  // eventfd: commands for the thread
  std::mutex mutex_;
  std::optional<config::TftpSection> pending_reload_;
  bool pending_stop_listening_ = false;
  std::atomic<bool> commands_{false};  // the eventfd's news for a thread that is napping, not polling
  std::atomic<std::size_t> active_{0};
  std::jthread thread_;
};

}  // namespace bootgate::net
