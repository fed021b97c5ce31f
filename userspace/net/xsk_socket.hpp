#pragma once
// One AF_XDP socket on one rx queue of one interface, with its own UMEM: the memory, the four
// rings and a pool of transmit frames, released together. Frames in and out are whole Ethernet
// frames; what they carry is the caller's business. Not thread-safe: one owner thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

struct xsk_socket;
struct xsk_umem;
struct xsk_ring_prod;
struct xsk_ring_cons;

namespace bootgate::net {

class XskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class XskSocket {
 public:
  // Frames are 2 KiB (the smallest AF_XDP chunk), so the largest frame is 2048 bytes: enough for a
  // 1,500-byte MTU with two VLAN tags. Jumbo frames stay on the socket datapath.
  static constexpr std::uint32_t kFrameSize = 2048;

  static constexpr std::uint32_t kDefaultTxFrames = 8192;

  // Binds to `ifname` queue `queue` (zero-copy if the driver can, else copy mode) with `tx_frames`
  // transmit frames (a power of two). Throws XskError.
  XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t tx_frames = kDefaultTxFrames);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  int fd() const;
  std::uint32_t queue() const { return queue_; }
  bool zero_copy() const { return zero_copy_; }

  // Hands each received frame to `fn` (valid during the call only), at most `max`; returns how many.
  std::size_t receive(std::size_t max, const std::function<void(std::span<const std::uint8_t>)>& fn);

  // A transmit frame to write into (kFrameSize bytes); empty when all are in flight (the datagram is
  // dropped, and the engine's retransmit timer sends it again).
  std::span<std::uint8_t> tx_frame();
  // Queues the frame tx_frame() returned, `size` bytes long; false when the ring stays full. Call at
  // most once per tx_frame().
  bool tx_submit(std::size_t size);
  // Has the kernel send what is queued, and takes back the frames it finished with.
  void kick();
  bool tx_pending() const;

 private:
  void reclaim();

  struct Rings;
  std::uint32_t queue_;
  std::uint32_t tx_frames_;
  bool zero_copy_ = false;
  void* area_ = nullptr;  // the UMEM, mmap'd
  std::size_t area_size_ = 0;
  std::unique_ptr<Rings> rings_;
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  std::vector<std::uint64_t> free_tx_;  // transmit frames not in flight
  std::uint64_t reserved_tx_ = UINT64_MAX;  // handed out by tx_frame(), not yet submitted
};

// The interface's rx queue count (1 when the kernel does not say).
std::uint32_t rx_queue_count(const std::string& ifname);

}  // namespace bootgate::net
