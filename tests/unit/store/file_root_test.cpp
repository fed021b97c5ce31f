// The TFTP root on a real file system: confinement against traversal and symlinks, atomic uploads.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/file_root.hpp"

namespace fs = std::filesystem;
using namespace bootgate;
using bootgate::tftp::FsError;

namespace {

class FileRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("bootgate-root-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/sub");
    write(base_ / "root/sub/file.bin", "inside");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink("../../secret.txt", base_ / "root/sub/escape");
    fs::create_symlink("file.bin", base_ / "root/sub/alias");
    fs::create_symlink("/etc/passwd", base_ / "root/abs");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  std::string read_via(store::FileRoot& r, const std::string& path) {
    auto f = r.open_read(path);
    if (!f) return "error";
    std::string s(static_cast<std::size_t>((*f)->size()), '\0');
    (*f)->read_at(0, std::span(reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
    return s;
  }
  fs::path base_;
};

}  // namespace

TEST_F(FileRootTest, ReadsInsideAndFollowsSymlinksThatStayInside) {
  store::FileRoot r((base_ / "root").string());
  EXPECT_EQ(read_via(r, "sub/file.bin"), "inside");
  EXPECT_EQ(read_via(r, "sub/alias"), "inside");
}

TEST_F(FileRootTest, NothingOutsideTheRootCanBeOpened) {
  store::FileRoot r((base_ / "root").string());
  for (const char* p : {"../secret.txt", "sub/../../secret.txt", "sub/escape", "abs"}) {
    auto f = r.open_read(p);
    ASSERT_FALSE(f.ok()) << p;
    EXPECT_EQ(f.error(), FsError::access_denied) << p;
  }
  EXPECT_EQ(r.open_read("nope").error(), FsError::not_found);
  EXPECT_EQ(r.open_read("sub").error(), FsError::access_denied);  // a directory is not a file
}

TEST_F(FileRootTest, UploadAppearsOnlyOnCommit) {
  store::FileRoot r((base_ / "root").string());
  {
    auto up = r.create_upload("sub/new.cfg", {false, 0});
    ASSERT_TRUE(up.ok());
    const std::string data = "hostname sw1\n";
    ASSERT_TRUE((*up)->write(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())).ok());
    EXPECT_FALSE(fs::exists(base_ / "root/sub/new.cfg"));
    ASSERT_TRUE((*up)->commit().ok());
  }
  EXPECT_EQ(read(base_ / "root/sub/new.cfg"), "hostname sw1\n");
  // No temporary left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "root/sub"), {}), 4);
}

TEST_F(FileRootTest, AbandonedUploadLeavesNothing) {
  store::FileRoot r((base_ / "root").string());
  {
    auto up = r.create_upload("half.bin", {false, 0});
    ASSERT_TRUE(up.ok());
    std::vector<std::uint8_t> data(100'000, 1);
    ASSERT_TRUE((*up)->write(data).ok());
  }  // destroyed without commit
  EXPECT_FALSE(fs::exists(base_ / "root/half.bin"));
  EXPECT_EQ(std::distance(fs::directory_iterator(base_ / "root"), {}), 2);  // sub, abs
}

TEST_F(FileRootTest, CreateOnlyAndOverwrite) {
  store::FileRoot r((base_ / "root").string());
  EXPECT_EQ(r.create_upload("sub/file.bin", {false, 0}).error(), FsError::exists);
  auto up = r.create_upload("sub/file.bin", {true, 0});
  ASSERT_TRUE(up.ok());
  const std::string data = "replaced";
  ASSERT_TRUE((*up)->write(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())).ok());
  ASSERT_TRUE((*up)->commit().ok());
  EXPECT_EQ(read(base_ / "root/sub/file.bin"), "replaced");
  // Overwriting through a symlink must not write outside.
  EXPECT_FALSE(r.create_upload("sub/escape", {true, 0}).ok());
  EXPECT_EQ(read(base_ / "secret.txt"), "outside");
  EXPECT_FALSE(r.create_upload("../evil", {true, 0}).ok());
  EXPECT_FALSE(r.create_upload("nodir/x", {true, 0}).ok());
}
