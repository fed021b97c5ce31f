#include "lib/embedded_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <thread>

#include "net/tftp_socket_server.hpp"
#include "store/file_root.hpp"

namespace bootgate {

struct EmbeddedServer::Impl {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  store::FileRoot root;
  mutable std::mutex mu;
  std::vector<tftp::TransferRecord> records;
  net::TftpSocketServer server;
  std::vector<Endpoint> bound;
  std::thread thread;

  explicit Impl(const config::TftpSection& cfg)
      : root(cfg.root), server(io, cfg, root, [this](const tftp::TransferRecord& r) {
          std::lock_guard lock(mu);
          records.push_back(r);
        }),
        bound(server.listening()), thread([this] { io.run(); }) {}
};

EmbeddedServer::EmbeddedServer(const config::TftpSection& cfg) : impl_(std::make_unique<Impl>(cfg)) {}

EmbeddedServer::~EmbeddedServer() { stop(); }

std::vector<Endpoint> EmbeddedServer::endpoints() const { return impl_->bound; }

std::vector<tftp::TransferRecord> EmbeddedServer::records() const {
  std::lock_guard lock(impl_->mu);
  return impl_->records;
}

void EmbeddedServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  boost::asio::post(impl_->io, [this] {
    impl_->server.stop_listening();
    impl_->io.stop();
  });
  impl_->thread.join();
}

config::TftpSection local_tftp_config(const std::string& root) {
  config::TftpSection cfg;
  cfg.root = root;
  cfg.listen.push_back(*Endpoint::parse("127.0.0.1:0", 0));
  return cfg;
}

}  // namespace bootgate
