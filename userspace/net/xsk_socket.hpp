#pragma once
// One AF_XDP socket on one rx queue of one interface, with its own UMEM: the memory, the four
// rings and a pool of transmit frames, released together. Frames in and out are whole Ethernet
// frames; what they carry is the caller's business. Not thread-safe: one owner thread.
// The socket, UMEM and rings are set up here rather than by libxdp's xsk_socket__create, which (in
// 1.3) cannot reserve room for transmit metadata; libxdp's inline ring helpers drive the rings.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/common/unique_fd.hpp"

namespace bootgate::net {

class XskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class XskSocket {
 public:
  // UMEM chunks are 2 KiB (the smallest AF_XDP allows). The kernel receives into a chunk after its
  // 256-byte XDP headroom, and a transmit frame starts after room for its offload request, so the
  // largest frame either way is kMaxFrame: a 1,500-byte MTU with two VLAN tags fits. Larger MTUs
  // stay on the socket datapath.
  static constexpr std::uint32_t kFrameSize = 2048;
  static constexpr std::uint32_t kRxHeadroom = 256;  // XDP_PACKET_HEADROOM
  static constexpr std::uint32_t kTxHeadroom = 32;
  static constexpr std::uint32_t kMaxFrame = kFrameSize - kRxHeadroom;

  static constexpr std::uint32_t kDefaultTxFrames = 8192;

  // Binds to `ifname` queue `queue` (zero-copy if the driver can, else copy mode) with `tx_frames`
  // transmit frames (a power of two). Throws XskError.
  XskSocket(const std::string& ifname, std::uint32_t queue, std::uint32_t tx_frames = kDefaultTxFrames);
  ~XskSocket();
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;

  int fd() const { return sock_.get(); }
  std::uint32_t queue() const { return queue_; }
  bool zero_copy() const { return zero_copy_; }
  // Whether the kernel finishes checksums on request (tx_submit with a ChecksumRequest): AF_XDP
  // transmit metadata (Linux 6.11 and later) in copy mode, where the frame becomes an skb like any
  // other. In zero-copy mode the driver would have to do it, and not all can: bootgate sums there.
  bool checksum_offload() const { return checksum_offload_; }

  // Hands each received frame to `fn` (valid during the call only), at most `max`; returns how many.
  std::size_t receive(std::size_t max, const std::function<void(std::span<const std::uint8_t>)>& fn);

  // A transmit frame to write into (kFrameSize - kTxHeadroom bytes); empty when all are in flight.
  std::span<std::uint8_t> tx_frame();
  // The kernel computes the RFC 1071 checksum from byte `start` of the frame to its end and stores
  // it at `start + offset`; the field holds the pseudo-header sum meanwhile.
  struct ChecksumRequest {
    std::uint16_t start = 0;
    std::uint16_t offset = 0;
  };
  // Queues the frame tx_frame() returned, `size` bytes long; false when the ring stays full. Call at
  // most once per tx_frame(). `csum` only when checksum_offload().
  bool tx_submit(std::size_t size, std::optional<ChecksumRequest> csum = std::nullopt);
  // Has the kernel send what is queued, and takes back the frames it finished with.
  void kick();
  bool tx_pending() const;

 private:
  // One mmap'd region, unmapped once.
  class Mapping {
   public:
    Mapping() = default;
    Mapping(void* addr, std::size_t size) : addr_(addr), size_(size) {}
    Mapping(Mapping&& o) noexcept;
    Mapping& operator=(Mapping&& o) noexcept;
    ~Mapping();
    std::uint8_t* data() const { return static_cast<std::uint8_t*>(addr_); }

   private:
    void* addr_ = nullptr;
    std::size_t size_ = 0;
  };
  struct Rings;

  void register_umem(const std::string& where);
  void map_rings(const std::string& where);
  void reclaim();

  std::uint32_t queue_;
  std::uint32_t tx_frames_;
  bool zero_copy_ = false;
  bool checksum_offload_ = false;
  bool tx_metadata_ = false;  // the UMEM reserves room for offload requests
  // Declared so that the rings go first, then the socket, then the memory it used.
  Mapping area_;  // the UMEM
  UniqueFd sock_;
  std::unique_ptr<Rings> rings_;
  std::vector<std::uint64_t> free_tx_;  // transmit frames (their chunk addresses) not in flight
  std::uint64_t reserved_tx_ = UINT64_MAX;  // handed out by tx_frame(), not yet submitted
};

// The interface's rx queue count (1 when the kernel does not say).
std::uint32_t rx_queue_count(const std::string& ifname);

}  // namespace bootgate::net
