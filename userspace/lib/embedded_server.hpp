#pragma once
// Embedding API, server side: a TFTP server on its own thread, e.g. on 127.0.0.1 port 0 for tests
// or for a tool that serves images in-process. Stops cleanly on stop() or destruction.
#include <memory>
#include <vector>

#include "config/tftp_config.hpp"
#include "core/tftp/server.hpp"

namespace bootgate {

class EmbeddedServer {
 public:
  // Binds now (throws std::system_error on failure) and starts serving `cfg.root`.
  explicit EmbeddedServer(const config::TftpSection& cfg);
  ~EmbeddedServer();
  EmbeddedServer(const EmbeddedServer&) = delete;
  EmbeddedServer& operator=(const EmbeddedServer&) = delete;

  // The bound addresses, with the real port when port 0 was asked for.
  std::vector<Endpoint> endpoints() const;
  Endpoint endpoint() const { return endpoints().front(); }
  // Transfer log records so far (thread-safe copy).
  std::vector<tftp::TransferRecord> records() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A TftpSection for an in-process server on 127.0.0.1, ephemeral port, serving `root`.
config::TftpSection local_tftp_config(const std::string& root);

}  // namespace bootgate
