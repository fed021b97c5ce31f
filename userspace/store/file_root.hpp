#pragma once
// The TFTP file store: every path is resolved with openat2(RESOLVE_BENEATH) below one root
// directory, so no name, symlink or race can reach outside it. Uploads are written to an
// unnamed O_TMPFILE and linked into place only on commit: an aborted, failed or crashed upload
// leaves nothing behind, and readers never see a partial file.
#include <string>

#include "core/common/unique_fd.hpp"
#include "core/tftp/file_system.hpp"

namespace bootgate::store {

class FileRoot final : public tftp::FileSystem {
 public:
  // Throws std::system_error when the root cannot be opened.
  explicit FileRoot(const std::string& root);

  Result<std::unique_ptr<tftp::ReadableFile>, tftp::FsError> open_read(const std::string& path) override;
  Result<std::unique_ptr<tftp::Upload>, tftp::FsError> create_upload(const std::string& path,
                                                                     const tftp::UploadRequest& req) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd root_;
};

// Opens `path` relative to `dir` without leaving it; -1 with errno set on failure.
int open_beneath(int dir, const std::string& path, int flags, int mode = 0);

}  // namespace bootgate::store
