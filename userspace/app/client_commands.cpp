// bootgate get / put: a TFTP client on the same engine family as the server.
#include <netdb.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "lib/tftp_client.hpp"
#include "net/socket_util.hpp"

namespace bg = bootgate;
using bootgate::app::kExitFailed;
using bootgate::app::kExitUsage;

namespace {

std::optional<bg::Endpoint> resolve(const std::string& host, std::uint16_t port) {
  if (auto ep = bg::Endpoint::parse(host, port)) return ep;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
  sockaddr_storage ss{};
  std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
  auto ep = bg::net::from_sockaddr(ss);
  ep.port = port;
  return ep;
}

struct ClientFlags {
  std::uint16_t port = 69;
  std::uint16_t blksize = 0;
  std::uint16_t windowsize = 0;
  unsigned timeout = 0;
  int retries = 5;
  bool netascii = false;
  bool quiet = false;
};

void add_client_flags(CLI::App* cmd, ClientFlags& f) {
  cmd->add_option("--port,-p", f.port, "server port")->capture_default_str();
  cmd->add_option("--blksize,-b", f.blksize, "ask for this block size (RFC 2348), 8..65464")->check(CLI::Range(8, 65464));
  cmd->add_option("--windowsize,-w", f.windowsize, "ask for this window (RFC 7440), 1..65535")->check(CLI::Range(1, 65535));
  cmd->add_option("--timeout,-t", f.timeout, "retransmit timeout in seconds (RFC 2349), 1..255")->check(CLI::Range(1, 255));
  cmd->add_option("--retries,-r", f.retries, "retransmissions before giving up")->capture_default_str()->check(CLI::Range(0, 100));
  cmd->add_flag("--netascii", f.netascii, "netascii mode instead of octet");
  cmd->add_flag("--quiet,-q", f.quiet, "no progress bar");
}

bg::tftp::ClientOptions to_options(const ClientFlags& f) {
  bg::tftp::ClientOptions o;
  o.blksize = f.blksize;
  o.windowsize = f.windowsize;
  o.timeout_s = static_cast<std::uint8_t>(f.timeout);
  o.retries = f.retries;
  o.mode = f.netascii ? bg::tftp::Mode::netascii : bg::tftp::Mode::octet;
  return o;
}

bg::ProgressFn progress_bar(bool enabled) {
  if (!enabled) return {};
  const auto start = bg::Clock::now();
  return [start](const bg::TransferProgress& p) {
    const double secs = std::chrono::duration<double>(bg::Clock::now() - start).count();
    const double rate = secs > 0 ? static_cast<double>(p.bytes) / secs / (1 << 20) : 0;
    if (p.total && *p.total > 0) {
      const int pct = static_cast<int>(100.0 * static_cast<double>(p.bytes) / static_cast<double>(*p.total));
      const int fill = pct * 30 / 100;
      std::printf("\r[%-30s] %3d%% %.1f MiB %.1f MiB/s ", std::string(static_cast<std::size_t>(fill), '#').c_str(), pct,
                  static_cast<double>(p.bytes) / (1 << 20), rate);
    } else {
      std::printf("\r%.1f MiB %.1f MiB/s ", static_cast<double>(p.bytes) / (1 << 20), rate);
    }
    std::fflush(stdout);
  };
}

int finish_transfer(const bg::ClientResult& r, bool bar, const std::string& what) {
  if (bar) std::printf("\n");
  if (!r.ok) {
    std::cerr << "bootgate: " << what << ": " << r.error << "\n";
    return kExitFailed;
  }
  if (bar) {
    const double secs = std::chrono::duration<double>(r.elapsed).count();
    std::printf("%s: %llu bytes in %.2fs\n", what.c_str(), static_cast<unsigned long long>(r.bytes), secs);
  }
  return 0;
}

}  // namespace

namespace bootgate::app {

void add_client_commands(CLI::App& app) {
  struct Args {
    ClientFlags flags;
    std::string host, file, other;
  };
  auto get = std::make_shared<Args>();
  auto* get_cmd = app.add_subcommand("get", "download a file over TFTP");
  get_cmd->add_option("host", get->host, "server address or name (host or host:port)")->required();
  get_cmd->add_option("file", get->file, "remote file name")->required();
  get_cmd->add_option("-o,--output", get->other, "local file (default: the remote name's last part; - for stdout)");
  add_client_flags(get_cmd, get->flags);
  get_cmd->callback([get] {
    auto server = resolve(get->host, get->flags.port);
    if (!server) {
      std::cerr << "bootgate: cannot resolve '" << get->host << "'\n";
      throw CLI::RuntimeError(kExitUsage);
    }
    auto out = get->other.empty() ? get->file.substr(get->file.find_last_of("/\\") + 1) : get->other;
    const bool bar = !get->flags.quiet && out != "-" && ::isatty(STDOUT_FILENO);
    auto r = bg::get_file(*server, get->file, out, to_options(get->flags), progress_bar(bar));
    if (int rc = finish_transfer(r, bar, get->file)) throw CLI::RuntimeError(rc);
  });

  auto put = std::make_shared<Args>();
  auto* put_cmd = app.add_subcommand("put", "upload a file over TFTP");
  put_cmd->add_option("host", put->host, "server address or name (host or host:port)")->required();
  put_cmd->add_option("file", put->file, "local file")->required()->check(CLI::ExistingFile);
  put_cmd->add_option("remote", put->other, "remote name (default: the local name's last part)");
  add_client_flags(put_cmd, put->flags);
  put_cmd->callback([put] {
    auto server = resolve(put->host, put->flags.port);
    if (!server) {
      std::cerr << "bootgate: cannot resolve '" << put->host << "'\n";
      throw CLI::RuntimeError(kExitUsage);
    }
    auto remote = put->other.empty() ? put->file.substr(put->file.find_last_of('/') + 1) : put->other;
    const bool bar = !put->flags.quiet && ::isatty(STDOUT_FILENO);
    auto r = bg::put_file(*server, put->file, remote, to_options(put->flags), progress_bar(bar));
    if (int rc = finish_transfer(r, bar, put->file)) throw CLI::RuntimeError(rc);
  });
}

}  // namespace bootgate::app
