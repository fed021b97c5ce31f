#pragma once
// Embedding API, client side: fetch or send one file. Blocking; runs the same sans-IO engine
// family as the server over one UDP socket.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/common/endpoint.hpp"
#include "core/tftp/client_session.hpp"

namespace bootgate {

struct TransferProgress {
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> total;  // known when the server reported tsize
};

struct ClientResult {
  bool ok = false;
  std::string error;  // why it failed, including the server's TFTP error code and message
  std::uint64_t bytes = 0;
  Duration elapsed{};
  tftp::Negotiated negotiated;
};

using ProgressFn = std::function<void(const TransferProgress&)>;

// Downloads `remote` into `local_path` ("-" for stdout). The file appears only when complete.
ClientResult get_file(const Endpoint& server, const std::string& remote, const std::string& local_path,
                      const tftp::ClientOptions& options = {}, const ProgressFn& progress = {});
// Uploads `local_path` as `remote`.
ClientResult put_file(const Endpoint& server, const std::string& local_path, const std::string& remote,
                      const tftp::ClientOptions& options = {}, const ProgressFn& progress = {});

}  // namespace bootgate
