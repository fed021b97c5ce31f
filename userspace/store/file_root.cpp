#include "store/file_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>

namespace bootgate::store {

using tftp::FsError;

int open_beneath(int dir, const std::string& path, int flags, int mode) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = static_cast<std::uint64_t>(mode);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    const long fd = ::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) return static_cast<int>(fd);  // EAGAIN: a rename raced; retry
  }
}

namespace {

FsError from_errno(int e) {
  switch (e) {
    case ENOENT:
    case ENOTDIR: return FsError::not_found;
    case ENOSPC:
    case EDQUOT: return FsError::no_space;
    case EFBIG: return FsError::too_large;
    case EEXIST: return FsError::exists;
    case EACCES:
    case EPERM:
    case EXDEV:  // RESOLVE_BENEATH: the path tried to leave the root
    case ELOOP:
    case EISDIR: return FsError::access_denied;
    default: return FsError::io_error;
  }
}

class FdFile final : public tftp::ReadableFile {
 public:
  FdFile(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  Result<std::size_t, FsError> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    std::size_t got = 0;
    while (got < out.size()) {
      const auto n = ::pread(fd_.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Unexpected{from_errno(errno)};
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    return got;
  }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
};

class TmpUpload final : public tftp::Upload {
 public:
  TmpUpload(UniqueFd dir, UniqueFd file, std::string name, bool overwrite)
      : dir_(std::move(dir)), file_(std::move(file)), name_(std::move(name)), overwrite_(overwrite) {}

  Result<Ok, FsError> write(std::span<const std::uint8_t> data) override {
    std::size_t done = 0;
    while (done < data.size()) {
      const auto n = ::write(file_.get(), data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Unexpected{from_errno(errno)};
      }
      done += static_cast<std::size_t>(n);
    }
    return Ok{};
  }

  Result<Ok, FsError> commit() override {
    if (::fsync(file_.get()) != 0) return Unexpected{from_errno(errno)};
    if (!overwrite_) return link_as(name_);
    // Link under a private name, then rename over the target: readers see old or new, never half.
    const auto tmp = ".bootgate-upload-" + std::to_string(std::random_device{}()) + "-" + name_;
    if (auto r = link_as(tmp); !r) return r;
    if (::renameat(dir_.get(), tmp.c_str(), dir_.get(), name_.c_str()) != 0) {
      const int e = errno;
      ::unlinkat(dir_.get(), tmp.c_str(), 0);
      return Unexpected{from_errno(e)};
    }
    ::fsync(dir_.get());
    return Ok{};
  }

 private:
  Result<Ok, FsError> link_as(const std::string& name) {
    // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for everyone else.
    if (::linkat(file_.get(), "", dir_.get(), name.c_str(), AT_EMPTY_PATH) == 0) return Ok{};
    if (errno == EEXIST) return Unexpected{FsError::exists};
    const auto proc = "/proc/self/fd/" + std::to_string(file_.get());
    if (::linkat(AT_FDCWD, proc.c_str(), dir_.get(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) return Ok{};
    return Unexpected{from_errno(errno)};
  }

  UniqueFd dir_;
  UniqueFd file_;
  std::string name_;
  bool overwrite_;
};

}  // namespace

FileRoot::FileRoot(const std::string& root) : path_(root), root_(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!root_) throw std::system_error(errno, std::generic_category(), "cannot open TFTP root " + root);
}

Result<std::unique_ptr<tftp::ReadableFile>, FsError> FileRoot::open_read(const std::string& path) {
  UniqueFd fd(open_beneath(root_.get(), path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (!fd) return Unexpected{from_errno(errno)};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Unexpected{from_errno(errno)};
  if (!S_ISREG(st.st_mode)) return Unexpected{FsError::access_denied};  // no directories, FIFOs, devices
  return std::unique_ptr<tftp::ReadableFile>(std::make_unique<FdFile>(std::move(fd), static_cast<std::uint64_t>(st.st_size)));
}

Result<std::unique_ptr<tftp::Upload>, FsError> FileRoot::create_upload(const std::string& path, const tftp::UploadRequest& req) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd dirfd(open_beneath(root_.get(), dir, O_RDONLY | O_DIRECTORY));
  if (!dirfd) return Unexpected{from_errno(errno)};

  struct stat st {};
  if (::fstatat(dirfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!req.overwrite) return Unexpected{FsError::exists};
    if (!S_ISREG(st.st_mode)) return Unexpected{FsError::access_denied};
  }
  UniqueFd file(::openat(dirfd.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (!file) return Unexpected{from_errno(errno)};
  if (req.expected_size > 0) {
    // Reserve the announced size now, so a full disk is an immediate error 3, not one at 90 %.
    // KEEP_SIZE: the blocks are held but the file still grows only as data arrives.
    if (::fallocate(file.get(), FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(req.expected_size)) != 0 &&
        (errno == ENOSPC || errno == EDQUOT || errno == EFBIG))
      return Unexpected{FsError::no_space};
  }
  return std::unique_ptr<tftp::Upload>(std::make_unique<TmpUpload>(std::move(dirfd), std::move(file), name, req.overwrite));
}

}  // namespace bootgate::store
