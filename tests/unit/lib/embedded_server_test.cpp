// The embedding API over real loopback sockets: an in-process server on an ephemeral port, and the
// blocking client calls against it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "lib/embedded_server.hpp"
#include "lib/tftp_client.hpp"

namespace fs = std::filesystem;
using namespace bootgate;

namespace {

class EmbeddedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bootgate-embedded-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "root");
    std::mt19937 g(7);
    content_.resize(700'000);
    for (auto& c : content_) c = static_cast<char>(g());
    std::ofstream(dir_ / "root/image.bin", std::ios::binary).write(content_.data(), static_cast<long>(content_.size()));
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  fs::path dir_;
  std::string content_;
};

}  // namespace

TEST_F(EmbeddedServerTest, GetAndPutThroughTheLibrary) {
  auto cfg = local_tftp_config((dir_ / "root").string());
  cfg.engine.uploads.enabled = true;
  EmbeddedServer server(cfg);
  const auto ep = server.endpoint();
  EXPECT_EQ(ep.ip.to_string(), "127.0.0.1");
  EXPECT_NE(ep.port, 0);

  tftp::ClientOptions opts;
  opts.blksize = 1468;
  opts.windowsize = 16;
  std::uint64_t last_progress = 0;
  auto r = get_file(ep, "image.bin", (dir_ / "copy.bin").string(), opts,
                    [&](const TransferProgress& p) { last_progress = p.bytes; });
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.bytes, content_.size());
  EXPECT_EQ(r.negotiated.blksize, 1468);
  EXPECT_EQ(r.negotiated.windowsize, 16);
  EXPECT_EQ(last_progress, content_.size());
  EXPECT_EQ(slurp(dir_ / "copy.bin"), content_);

  auto up = put_file(ep, (dir_ / "copy.bin").string(), "uploaded.bin", opts);
  ASSERT_TRUE(up.ok) << up.error;
  EXPECT_EQ(slurp(dir_ / "root/uploaded.bin"), content_);

  auto missing = get_file(ep, "nope.bin", (dir_ / "nope.bin").string(), opts);
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("server error 1"), std::string::npos) << missing.error;
  EXPECT_FALSE(fs::exists(dir_ / "nope.bin"));  // no partial or empty file left by a failed get

  server.stop();
  const auto records = server.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].outcome, tftp::Outcome::completed);
  EXPECT_EQ(records[1].op, tftp::Opcode::wrq);
  EXPECT_EQ(records[2].outcome, tftp::Outcome::refused);
}

TEST_F(EmbeddedServerTest, ClientTimesOutAgainstASilentPort) {
  auto cfg = local_tftp_config((dir_ / "root").string());
  Endpoint dead;
  {
    EmbeddedServer server(cfg);
    dead = server.endpoint();
  }  // stopped: nothing listens there any more
  tftp::ClientOptions opts;
  opts.timeout = std::chrono::milliseconds(50);
  opts.retries = 2;
  auto r = get_file(dead, "image.bin", (dir_ / "x.bin").string(), opts);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_FALSE(fs::exists(dir_ / "x.bin"));
}
