// The TFTP engines end to end on a simulated network with a virtual clock: server sessions against
// client sessions, with loss, duplication and reordering, uploads, limits and hostile peers.
#include <gtest/gtest.h>

#include "sim_network.hpp"

using namespace bootgate;
using namespace bootgate::tftp;
using namespace bootgate::tftp::test;

namespace {

Endpoint client_addr(int i) {
  return Endpoint{IpAddress::v4((10u << 24) | (2u << 8) | static_cast<std::uint32_t>(1 + i / 200)),
                  static_cast<std::uint16_t>(40000 + i)};
}

ServerOptions options() {
  ServerOptions o;
  o.uploads.enabled = true;
  return o;
}

std::vector<std::uint8_t> packet(std::initializer_list<std::uint8_t> b) { return b; }

std::vector<std::uint8_t> request(Opcode op, const std::string& name, std::vector<Option> opts = {},
                                  Mode mode = Mode::octet) {
  Request r{op, name, mode, std::move(opts)};
  std::vector<std::uint8_t> out(encoded_size(r));
  encode_request(r, out);
  return out;
}

std::vector<std::uint8_t> ack(std::uint16_t block) {
  std::vector<std::uint8_t> out(4);
  encode_ack(block, out);
  return out;
}

struct Download {
  std::unique_ptr<MemorySink> sink = std::make_unique<MemorySink>();
  std::size_t index = 0;
};

Download add_download(SimNetwork& net, int i, const std::string& file, ClientOptions co) {
  Download d;
  auto* sink = d.sink.get();
  d.index = net.add_client(client_addr(i), [&, sink](TxBatch& tx) {
    return std::make_unique<ClientSession>(net.now, SimNetwork::kServer, file, *sink, co, tx);
  });
  return d;
}

ErrorCode error_code_in(const std::vector<std::uint8_t>& pkt) {
  auto p = parse(pkt);
  EXPECT_TRUE(p.ok());
  return std::get<Error>(p.value()).code;
}

}  // namespace

// Sizes around block boundaries, every option combination, no impairment: exact bytes and the
// minimal packet count (one DATA per block, one ACK per window).
TEST(Engine, DownloadsAreExactAndMinimal) {
  for (std::size_t size : {0, 1, 511, 512, 513, 1024, 100'000}) {
    for (std::uint16_t blksize : {0, 8, 1468}) {
      for (std::uint16_t window : {0, 1, 4, 64}) {
        MemoryFileSystem fs;
        fs.files["f"] = random_bytes(size, static_cast<std::uint32_t>(size));
        Server server(options(), fs);
        SimNetwork net(server, {}, 1);
        ClientOptions co;
        co.blksize = blksize;
        co.windowsize = window;
        auto d = add_download(net, 0, "f", co);
        ASSERT_TRUE(net.run());
        const auto label = "size " + std::to_string(size) + " blksize " + std::to_string(blksize) + " window " + std::to_string(window);
        ASSERT_TRUE(net.client(d.index).succeeded()) << label << ": " << net.client(d.index).error();
        EXPECT_EQ(d.sink->data, fs.files["f"]) << label;
        const std::uint64_t bs = blksize ? blksize : 512;
        const std::uint64_t w = window ? window : 1;
        const std::uint64_t blocks = size / bs + 1;
        // + OACK when an option was acknowledged (tsize is not, for an empty file).
        const bool oack = blksize || window || size > 0;
        EXPECT_EQ(net.server_packets, blocks + (oack ? 1 : 0)) << label;
        // RRQ + ACK 0 + one ACK per full window + the final ACK.
        EXPECT_LE(net.client_packets, 2 + (blocks + w - 1) / w + 1) << label;
        ASSERT_EQ(net.records.size(), 1u);
        EXPECT_EQ(net.records[0].outcome, Outcome::completed);
        EXPECT_EQ(net.records[0].bytes, size);
        EXPECT_EQ(server.active(), 0u);
      }
    }
  }
}

// 0-30 % loss, duplication and reordering across many seeds: every transfer ends bit-identical or
// with a clear error, and the packet count stays within the bound stated below.
TEST(Engine, LossyNetworkEndsIdenticalOrWithClearError) {
  int completed = 0, failed = 0;
  for (double loss : {0.0, 0.05, 0.1, 0.2, 0.3}) {
    for (std::uint16_t window : {1, 8, 64}) {
      for (std::uint32_t seed = 1; seed <= 6; ++seed) {
        MemoryFileSystem fs;
        fs.files["img"] = random_bytes(200'000, seed);
        auto opts = options();
        opts.retries = 8;
        Server server(opts, fs);
        SimNetwork net(server, {loss, 0.05, 0.1}, seed * 7919 + window);
        ClientOptions co;
        co.blksize = 1024;
        co.windowsize = window;
        co.retries = 8;
        auto d = add_download(net, 0, "img", co);
        ASSERT_TRUE(net.run());
        auto& c = net.client(d.index);
        ASSERT_TRUE(c.finished());
        if (c.succeeded()) {
          ++completed;
          ASSERT_EQ(d.sink->data, fs.files["img"]) << "loss " << loss << " window " << window << " seed " << seed;
        } else {
          ++failed;
          EXPECT_FALSE(c.error().empty());
        }
        // Bound: each round of a window is resent at most once per loss event, so the server's
        // packets stay below blocks * (1 + window) / (1 - loss)^2 plus the handshake.
        const double blocks = 200'000.0 / 1024 + 1;
        const double bound = blocks * (1 + window) / ((1 - loss) * (1 - loss)) + 100;
        EXPECT_LT(static_cast<double>(net.server_packets), bound) << "loss " << loss << " window " << window;
        // Without loss not a single block is sent twice, even with duplicated and reordered packets.
        if (loss == 0.0 && window == 1) {
          EXPECT_LE(net.server_packets, blocks + 1 + 20);
        }
      }
    }
  }
  EXPECT_GT(completed, 80);  // at 30 % loss a few may legitimately give up
  RecordProperty("completed", completed);
  RecordProperty("failed", failed);
}

TEST(Engine, UploadsWithLossArriveExactlyAndAtomically) {
  for (double loss : {0.0, 0.15, 0.3}) {
    for (std::uint16_t window : {1, 16}) {
      for (std::uint32_t seed = 1; seed <= 4; ++seed) {
        MemoryFileSystem fs;
        auto opts = options();
        opts.retries = 10;
        Server server(opts, fs);
        SimNetwork net(server, {loss, 0.05, 0.1}, seed);
        MemoryFile file(random_bytes(150'000, seed));
        ClientOptions co;
        co.blksize = 1468;
        co.windowsize = window;
        co.retries = 10;
        const auto i = net.add_client(client_addr(0), [&](TxBatch& tx) {
          return std::make_unique<ClientSession>(net.now, SimNetwork::kServer, "backup.cfg", file, co, tx);
        });
        ASSERT_TRUE(net.run());
        auto& c = net.client(i);
        ASSERT_TRUE(c.finished());
        if (c.succeeded()) {
          ASSERT_EQ(fs.files.count("backup.cfg"), 1u);
          EXPECT_EQ(fs.files["backup.cfg"], file.data) << "loss " << loss << " seed " << seed;
        } else {
          // Never a partial file in place.
          EXPECT_TRUE(fs.files.count("backup.cfg") == 0 || fs.files["backup.cfg"] == file.data);
        }
      }
    }
  }
}

TEST(Engine, BlockNumbersRollOverPastBlock65535) {
  for (std::uint16_t rollover : {0, 1}) {
    MemoryFileSystem fs;
    fs.files["big"] = random_bytes(70'000 * 8 + 3, 42);  // 70,001 blocks of 8 bytes
    auto opts = options();
    opts.rollover = rollover;
    Server server(opts, fs);
    SimNetwork net(server, {}, 3);
    ClientOptions co;
    co.blksize = 8;
    co.windowsize = 16;
    co.rollover = rollover;
    auto d = add_download(net, 0, "big", co);
    ASSERT_TRUE(net.run());
    ASSERT_TRUE(net.client(d.index).succeeded()) << net.client(d.index).error();
    EXPECT_EQ(d.sink->data, fs.files["big"]);
  }
}

TEST(Engine, WireBlockNumbers) {
  EXPECT_EQ(wire_block(65535, 0), 65535);
  EXPECT_EQ(wire_block(65536, 0), 0);
  EXPECT_EQ(wire_block(65537, 0), 1);
  EXPECT_EQ(wire_block(65535, 1), 65535);
  EXPECT_EQ(wire_block(65536, 1), 1);
  EXPECT_EQ(wire_block(2 * 65535 + 1, 1), 1);
}

// A file over 4 GiB: tsize reports the 64-bit size and every byte arrives (checked by position).
TEST(Engine, FilesOver4GiBTransfer) {
  class Pattern final : public ReadableFile {
   public:
    std::uint64_t size() const override { return (5ull << 30) + 12345; }
    Result<std::size_t, FsError> read_at(std::uint64_t off, std::span<std::uint8_t> out) override {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size() - std::min(off, size())));
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((off + i) * 2654435761u >> 24);
      return n;
    }
  };
  class PatternFs final : public FileSystem {
   public:
    Result<std::unique_ptr<ReadableFile>, FsError> open_read(const std::string&) override {
      return std::unique_ptr<ReadableFile>(std::make_unique<Pattern>());
    }
    Result<std::unique_ptr<Upload>, FsError> create_upload(const std::string&, const UploadRequest&) override {
      return Unexpected{FsError::access_denied};
    }
  };
  class CheckingSink final : public BlockSink {
   public:
    std::uint64_t offset = 0;
    std::uint64_t mismatches = 0;
    Result<Ok, FsError> write(std::span<const std::uint8_t> d) override {
      // Spot-check a stride of bytes: enough to catch a wrong or repeated block.
      for (std::size_t i = 0; i < d.size(); i += 61)
        if (d[i] != static_cast<std::uint8_t>((offset + i) * 2654435761u >> 24)) ++mismatches;
      offset += d.size();
      return Ok{};
    }
    Result<Ok, FsError> finish() override { return Ok{}; }
  };
  PatternFs fs;
  Server server(options(), fs);
  SimNetwork net(server, {}, 5);
  CheckingSink sink;
  ClientOptions co;
  co.blksize = 65464;
  co.windowsize = 256;
  auto opts = options();
  const auto i = net.add_client(client_addr(0), [&](TxBatch& tx) {
    return std::make_unique<ClientSession>(net.now, SimNetwork::kServer, "huge.img", sink, co, tx);
  });
  ASSERT_TRUE(net.run(50'000'000));
  auto& c = net.client(i);
  ASSERT_TRUE(c.succeeded()) << c.error();
  EXPECT_EQ(c.total_size().value_or(0), (5ull << 30) + 12345);
  EXPECT_EQ(sink.offset, (5ull << 30) + 12345);
  EXPECT_EQ(sink.mismatches, 0u);
}

TEST(Engine, DuplicateAckNeverTriggersDuplicateData) {
  MemoryFileSystem fs;
  fs.files["f"] = random_bytes(5000, 1);
  Server server(options(), fs);
  TxBatch& tx = server.tx();
  const auto peer = client_addr(0);
  const auto t0 = TimePoint{} + std::chrono::hours(1);
  auto flow = server.on_listen_datagram(t0, peer, SimNetwork::kServer, 0, request(Opcode::rrq, "f"));
  ASSERT_TRUE(flow);
  ASSERT_EQ(tx.size(), 1u);  // DATA 1
  tx.clear();
  server.on_flow_datagram(t0, *flow, peer, ack(1));
  ASSERT_EQ(tx.size(), 1u);  // DATA 2
  tx.clear();
  for (int i = 0; i < 5; ++i) server.on_flow_datagram(t0, *flow, peer, ack(1));  // delayed duplicates
  EXPECT_EQ(tx.size(), 0u) << "Sorcerer's Apprentice: duplicate ACKs must not resend";
  server.on_timeout(t0 + std::chrono::seconds(2));  // only the timer resends
  EXPECT_EQ(tx.size(), 1u);
}

TEST(Engine, UnknownTidGetsError5AndTransferContinues) {
  MemoryFileSystem fs;
  fs.files["f"] = random_bytes(30'000, 2);
  Server server(options(), fs);
  SimNetwork net(server, {}, 9);
  auto d = add_download(net, 0, "f", {});
  const Endpoint intruder = *Endpoint::parse("10.9.9.9:4444", 0);
  // The intruder aims at the transfer's port (flow 1) mid-transfer.
  net.inject(intruder, Endpoint{SimNetwork::kServer.ip, SimNetwork::kFlowPortBase + 1}, ack(3), std::chrono::milliseconds(3));
  ASSERT_TRUE(net.run());
  EXPECT_TRUE(net.client(d.index).succeeded());
  EXPECT_EQ(d.sink->data, fs.files["f"]);
  auto got = net.received_by(intruder);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(error_code_in(got[0]), ErrorCode::unknown_tid);
}

TEST(Engine, DuplicateRequestFromSamePortStartsNoSecondTransfer) {
  MemoryFileSystem fs;
  fs.files["f"] = random_bytes(3000, 3);
  Server server(options(), fs);
  const auto peer = client_addr(0);
  const auto t0 = TimePoint{} + std::chrono::hours(1);
  EXPECT_TRUE(server.on_listen_datagram(t0, peer, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  EXPECT_FALSE(server.on_listen_datagram(t0, peer, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  EXPECT_EQ(server.active(), 1u);
  EXPECT_EQ(server.stats().duplicate_requests, 1u);
  // The same client from another port is a new transfer.
  auto other = peer;
  other.port++;
  EXPECT_TRUE(server.on_listen_datagram(t0, other, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
}

TEST(Engine, UefiTsizeProbeIsLoggedAsProbe) {
  MemoryFileSystem fs;
  fs.files["bootx64.efi"] = random_bytes(4000, 4);
  Server server(options(), fs);
  const auto peer = client_addr(0);
  const auto t0 = TimePoint{} + std::chrono::hours(1);
  auto flow = server.on_listen_datagram(t0, peer, SimNetwork::kServer, 0, request(Opcode::rrq, "bootx64.efi", {{"tsize", "0"}}));
  ASSERT_TRUE(flow);
  std::vector<std::uint8_t> err(64);
  err.resize(encode_error(ErrorCode::option_refused, "", err));
  server.on_flow_datagram(t0, *flow, peer, err);
  auto recs = server.take_records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].outcome, Outcome::probe);
  EXPECT_EQ(server.stats().probes, 1u);
  EXPECT_EQ(server.stats().failed, 0u);
}

TEST(Engine, RefusalsCarryTheRightErrorCode) {
  struct Case {
    const char* what;
    std::vector<std::uint8_t> req;
    ErrorCode code;
  };
  MemoryFileSystem fs;
  fs.files["exists"] = {1, 2, 3};
  auto opts = options();
  opts.uploads.max_size = 1000;
  const std::vector<Case> cases = {
      {"missing file", request(Opcode::rrq, "nope"), ErrorCode::file_not_found},
      {"traversal", request(Opcode::rrq, "../../etc/passwd"), ErrorCode::access_violation},
      {"mail mode", request(Opcode::rrq, "exists", {}, Mode::mail), ErrorCode::illegal_operation},
      {"upload over existing", request(Opcode::wrq, "exists"), ErrorCode::file_exists},
      {"upload tsize too big", request(Opcode::wrq, "new", {{"tsize", "5000"}}), ErrorCode::disk_full},
      {"garbage", packet({0, 9, 1, 2}), ErrorCode::illegal_operation},
      {"ACK to port 69", ack(1), ErrorCode::unknown_tid},
  };
  for (const auto& c : cases) {
    Server server(opts, fs);
    const auto t0 = TimePoint{} + std::chrono::hours(1);
    EXPECT_FALSE(server.on_listen_datagram(t0, client_addr(0), SimNetwork::kServer, 0, c.req)) << c.what;
    ASSERT_EQ(server.tx().size(), 1u) << c.what;
    EXPECT_EQ(server.tx().entries()[0].flow, Server::kListenFlow);
    EXPECT_EQ(error_code_in(std::vector<std::uint8_t>(server.tx().payload(server.tx().entries()[0]).begin(),
                                                      server.tx().payload(server.tx().entries()[0]).end())),
              c.code)
        << c.what;
  }
  // Uploads off: error 2.
  ServerOptions off;
  Server server(off, fs);
  EXPECT_FALSE(server.on_listen_datagram(TimePoint{}, client_addr(0), SimNetwork::kServer, 0, request(Opcode::wrq, "x")));
  EXPECT_EQ(server.tx().size(), 1u);
}

TEST(Engine, LimitsAnswerWithAnErrorNamingTheLimit) {
  MemoryFileSystem fs;
  fs.files["f"] = random_bytes(100'000, 5);
  auto opts = options();
  opts.max_transfers = 3;
  opts.max_transfers_per_client = 2;
  Server server(opts, fs);
  const auto t0 = TimePoint{} + std::chrono::hours(1);
  auto a = client_addr(0), b = client_addr(0);
  b.port++;
  auto c = b;
  c.port++;
  EXPECT_TRUE(server.on_listen_datagram(t0, a, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  EXPECT_TRUE(server.on_listen_datagram(t0, b, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  server.tx().clear();
  EXPECT_FALSE(server.on_listen_datagram(t0, c, SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  auto p = server.tx().payload(server.tx().entries()[0]);
  auto err = std::get<Error>(parse(p).value());
  EXPECT_NE(err.message.find("max_transfers_per_client"), std::string::npos) << err.message;
  server.tx().clear();
  EXPECT_TRUE(server.on_listen_datagram(t0, client_addr(300), SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  server.tx().clear();
  EXPECT_FALSE(server.on_listen_datagram(t0, client_addr(500), SimNetwork::kServer, 0, request(Opcode::rrq, "f")));
  err = std::get<Error>(parse(server.tx().payload(server.tx().entries()[0])).value());
  EXPECT_NE(err.message.find("max_transfers"), std::string::npos) << err.message;
}

TEST(Engine, FullDiskAnswersError3AndLeavesNothing) {
  MemoryFileSystem fs;
  fs.capacity = 10'000;
  Server server(options(), fs);
  SimNetwork net(server, {}, 1);
  MemoryFile file(random_bytes(50'000, 6));
  ClientOptions co;
  co.tsize = false;  // the server only finds out while writing
  const auto i = net.add_client(client_addr(0), [&](TxBatch& tx) {
    return std::make_unique<ClientSession>(net.now, SimNetwork::kServer, "fw.bin", file, co, tx);
  });
  ASSERT_TRUE(net.run());
  EXPECT_FALSE(net.client(i).succeeded());
  EXPECT_NE(net.client(i).error().find("server error 3"), std::string::npos) << net.client(i).error();
  EXPECT_EQ(fs.files.count("fw.bin"), 0u);
}

TEST(Engine, AbortedUploadLeavesNothing) {
  MemoryFileSystem fs;
  Server server(options(), fs);
  const auto peer = client_addr(0);
  auto t = TimePoint{} + std::chrono::hours(1);
  auto flow = server.on_listen_datagram(t, peer, SimNetwork::kServer, 0, request(Opcode::wrq, "cfg"));
  ASSERT_TRUE(flow);
  std::vector<std::uint8_t> data(4 + 512, 7);
  encode_data_header(1, data);
  server.on_flow_datagram(t, *flow, peer, data);
  // The client vanishes: the server retries, gives up, and discards the upload.
  for (int i = 0; i < 20; ++i) server.on_timeout(t += std::chrono::seconds(2));
  EXPECT_EQ(server.active(), 0u);
  EXPECT_EQ(fs.files.count("cfg"), 0u);
  auto recs = server.take_records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].outcome, Outcome::timed_out);
}

TEST(Engine, UploadSizeLimitAndOversizedBlocks) {
  MemoryFileSystem fs;
  auto opts = options();
  opts.uploads.max_size = 1000;
  Server server(opts, fs);
  SimNetwork net(server, {}, 1);
  MemoryFile file(random_bytes(3000, 7));
  ClientOptions co;
  co.tsize = false;
  const auto i = net.add_client(client_addr(0), [&](TxBatch& tx) {
    return std::make_unique<ClientSession>(net.now, SimNetwork::kServer, "x", file, co, tx);
  });
  ASSERT_TRUE(net.run());
  EXPECT_NE(net.client(i).error().find("uploads.max_size"), std::string::npos) << net.client(i).error();
  EXPECT_TRUE(fs.files.empty());
}

TEST(Engine, NetasciiBothWays) {
  MemoryFileSystem fs;
  std::string text;
  for (int i = 0; i < 300; ++i) text += "line " + std::to_string(i) + (i % 7 ? "\n" : "\r\n");
  fs.files["t.txt"] = {text.begin(), text.end()};
  Server server(options(), fs);
  SimNetwork net(server, {0.1, 0.05, 0.1}, 11);
  ClientOptions co;
  co.mode = Mode::netascii;
  co.windowsize = 4;
  auto d = add_download(net, 0, "t.txt", co);
  ASSERT_TRUE(net.run());
  ASSERT_TRUE(net.client(d.index).succeeded());
  // The client gets the wire form; decoding it gives the file back.
  NetasciiDecoder dec;
  std::vector<std::uint8_t> back;
  dec.decode(d.sink->data, back);
  dec.finish(back);
  EXPECT_EQ(back, fs.files["t.txt"]);
  EXPECT_GT(d.sink->data.size(), text.size());
}

TEST(Engine, ManyConcurrentClientsOnOneServer) {
  MemoryFileSystem fs;
  fs.files["kernel"] = random_bytes(64 * 1024, 8);
  auto opts = options();
  opts.max_transfers = 2000;
  opts.max_transfers_per_client = 1000;
  Server server(opts, fs);
  SimNetwork net(server, {0.02, 0.01, 0.05}, 77);
  std::vector<Download> downloads;
  ClientOptions co;
  co.blksize = 1468;
  co.windowsize = 8;
  for (int i = 0; i < 1000; ++i) downloads.push_back(add_download(net, i, "kernel", co));
  ASSERT_TRUE(net.run());
  for (const auto& d : downloads) {
    ASSERT_TRUE(net.client(d.index).succeeded()) << net.client(d.index).error();
    ASSERT_EQ(d.sink->data, fs.files["kernel"]);
  }
  EXPECT_EQ(server.active(), 0u);
  // A lost final ACK is indistinguishable from a lost client: the server counts those as timeouts.
  EXPECT_EQ(server.stats().completed + server.stats().timed_out, 1000u);
  EXPECT_GT(server.stats().completed, 950u);
}

TEST(Engine, SinglePortModeDemultiplexesByClient) {
  MemoryFileSystem fs;
  fs.files["a"] = random_bytes(20'000, 9);
  fs.files["b"] = random_bytes(30'000, 10);
  auto opts = options();
  opts.single_port = true;
  Server server(opts, fs);
  SimNetwork net(server, {0.05, 0.02, 0.05}, 3);
  auto da = add_download(net, 0, "a", {});
  auto db = add_download(net, 1, "b", {});
  ASSERT_TRUE(net.run());
  EXPECT_EQ(da.sink->data, fs.files["a"]);
  EXPECT_EQ(db.sink->data, fs.files["b"]);
}

TEST(Engine, MtuCapsBlockSize) {
  MemoryFileSystem fs;
  fs.files["f"] = random_bytes(10, 1);
  Server server(options(), fs);
  auto flow = server.on_listen_datagram(TimePoint{}, client_addr(0), SimNetwork::kServer, 1500,
                                        request(Opcode::rrq, "f", {{"blksize", "65464"}}));
  ASSERT_TRUE(flow);
  auto oack = std::get<OAck>(parse(server.tx().payload(server.tx().entries()[0])).value());
  EXPECT_EQ(describe(oack.options), "blksize=1468");
}
