#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/common/clock.hpp"
#include "core/tftp/filename.hpp"
#include "core/tftp/packet.hpp"

namespace bootgate::tftp {

struct UploadPolicy {
  bool enabled = false;
  bool overwrite = false;               // false: create new files only (error 6 if it exists)
  std::uint64_t max_size = 64ull << 20;  // error 3 past this
};

// Every limit the TFTP engine enforces; each one is named in the error a client gets when it hits it.
struct ServerOptions {
  bool single_port = false;  // all transfers on the listening port, demultiplexed by client address
  std::uint16_t max_blksize = kMaxBlockSize;
  bool allow_ip_fragments = false;  // otherwise blksize is capped by the path MTU
  std::uint16_t max_windowsize = 64;
  Duration timeout = std::chrono::seconds(1);  // until a client asks for its own (RFC 2349)
  int retries = 5;
  std::uint16_t rollover = 0;  // block number after 65535
  std::size_t max_transfers = 2000;
  std::size_t max_transfers_per_client = 64;
  bool tsize = true;
  UploadPolicy uploads;
  FilenamePolicy names;
};

}  // namespace bootgate::tftp
