#include "lib/tftp_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "net/socket_util.hpp"

namespace bootgate {
namespace {

using tftp::FsError;

FsError errno_error() { return errno == ENOSPC || errno == EDQUOT ? FsError::no_space : FsError::io_error; }

// Writes to a temporary beside the destination; finish() renames it into place.
class LocalFileSink final : public tftp::BlockSink {
 public:
  explicit LocalFileSink(const std::string& path) : path_(path) {
    if (path_ == "-") {
      fd_ = UniqueFd(::dup(STDOUT_FILENO));
      return;
    }
    const auto dir = std::filesystem::absolute(path_).parent_path().string();
    tmp_ = dir + "/.bootgate-get-XXXXXX";
    fd_ = UniqueFd(::mkostemp(tmp_.data(), O_CLOEXEC));
    if (!fd_) tmp_.clear();
  }
  ~LocalFileSink() override {
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
  bool ok() const { return fd_.valid(); }

  Result<Ok, FsError> write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto n = ::write(fd_.get(), data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Unexpected{errno_error()};
      }
      done += static_cast<std::size_t>(n);
    }
    return Ok{};
  }
  Result<Ok, FsError> finish() override {
    if (tmp_.empty()) return Ok{};  // stdout
    ::fchmod(fd_.get(), 0644 & ~current_umask());
    if (::fsync(fd_.get()) != 0 || ::rename(tmp_.c_str(), path_.c_str()) != 0) return Unexpected{errno_error()};
    tmp_.clear();
    return Ok{};
  }

 private:
  static mode_t current_umask() {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
  }
  std::string path_;
  std::string tmp_;
  UniqueFd fd_;
};

class LocalFile final : public tftp::ReadableFile {
 public:
  explicit LocalFile(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  Result<std::size_t, FsError> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    const auto n = ::pread(fd_.get(), out.data(), out.size(), static_cast<off_t>(offset));
    if (n < 0) return Unexpected{FsError::io_error};
    return static_cast<std::size_t>(n);
  }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
};

// Runs a client session to its end over one socket.
ClientResult drive(tftp::ClientSession& session, TxBatch& tx, int fd, const ProgressFn& progress,
                   TimePoint started) {
  std::vector<std::uint8_t> buf(65536);
  auto last_progress = started;
  for (;;) {
    for (const auto& e : tx.entries()) {
      const auto sa = net::to_sockaddr(e.to);
      const auto p = tx.payload(e);
      ::sendto(fd, p.data(), p.size(), 0, sa.get(), sa.len);
    }
    tx.clear();
    if (session.finished()) break;
    const auto deadline = session.deadline().value_or(Clock::now());
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd pfd{fd, POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(std::clamp<long long>(wait + 1, 0, 60'000)));
    const auto now = Clock::now();
    if (r > 0) {
      for (int i = 0; i < 64; ++i) {  // drain what is queued, bounded
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const auto n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        session.on_datagram(now, net::from_sockaddr(from), std::span(buf.data(), static_cast<std::size_t>(n)), tx);
        if (session.finished()) break;
      }
    } else if (r < 0 && errno != EINTR) {
      break;
    }
    session.on_timeout(Clock::now(), tx);
    if (progress && now - last_progress > std::chrono::milliseconds(100)) {
      progress({session.bytes(), session.total_size()});
      last_progress = now;
    }
  }
  ClientResult res;
  res.ok = session.succeeded();
  res.error = session.finished() ? session.error() : "transfer interrupted";
  res.bytes = session.bytes();
  res.elapsed = Clock::now() - started;
  res.negotiated = session.negotiated();
  if (progress) progress({res.bytes, session.total_size()});
  return res;
}

UniqueFd client_socket(const Endpoint& server, std::string& error) {
  Endpoint any;
  any.ip.v6 = server.ip.v6;
  int err = 0;
  auto fd = net::try_open_udp(any, {}, err);
  if (!fd) error = std::string("cannot open a UDP socket: ") + std::strerror(err);
  return fd;
}

}  // namespace

ClientResult get_file(const Endpoint& server, const std::string& remote, const std::string& local_path,
                      const tftp::ClientOptions& options, const ProgressFn& progress) {
  ClientResult res;
  auto fd = client_socket(server, res.error);
  if (!fd) return res;
  LocalFileSink sink(local_path);
  if (!sink.ok()) {
    res.error = "cannot create " + local_path + ": " + std::strerror(errno);
    return res;
  }
  TxBatch tx;
  const auto now = Clock::now();
  tftp::ClientSession session(now, server, remote, sink, options, tx);
  return drive(session, tx, fd.get(), progress, now);
}

ClientResult put_file(const Endpoint& server, const std::string& local_path, const std::string& remote,
                      const tftp::ClientOptions& options, const ProgressFn& progress) {
  ClientResult res;
  UniqueFd in(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!in || ::fstat(in.get(), &st) != 0) {
    res.error = "cannot open " + local_path + ": " + std::strerror(errno);
    return res;
  }
  auto fd = client_socket(server, res.error);
  if (!fd) return res;
  LocalFile file(std::move(in), static_cast<std::uint64_t>(st.st_size));
  TxBatch tx;
  const auto now = Clock::now();
  tftp::ClientSession session(now, server, remote, file, options, tx);
  return drive(session, tx, fd.get(), progress, now);
}

}  // namespace bootgate
