#pragma once
// What the TFTP engine needs from storage. The real one (store/file_root) is confined to a root
// directory; tests and fuzzers use MemoryFileSystem.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace bootgate::tftp {

enum class FsError { not_found, access_denied, exists, no_space, too_large, size_mismatch, io_error };
std::string_view to_string(FsError e);

class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  virtual std::uint64_t size() const = 0;
  // Short only at end of file.
  virtual Result<std::size_t, FsError> read_at(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
};

// Data goes to a temporary; commit() puts it in place atomically. Destroying an uncommitted upload
// discards it, so an aborted transfer leaves nothing behind.
class Upload {
 public:
  virtual ~Upload() = default;
  virtual Result<Ok, FsError> write(std::span<const std::uint8_t> data) = 0;
  virtual Result<Ok, FsError> commit() = 0;
};

struct UploadRequest {
  bool overwrite = false;
  std::uint64_t expected_size = 0;  // from tsize; 0 = unknown. Space is reserved up front when known.
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<ReadableFile>, FsError> open_read(const std::string& path) = 0;
  virtual Result<std::unique_ptr<Upload>, FsError> create_upload(const std::string& path, const UploadRequest& req) = 0;
};

// In-memory files for engine tests and fuzzing. `capacity` simulates a full disk.
class MemoryFileSystem final : public FileSystem {
 public:
  std::map<std::string, std::vector<std::uint8_t>> files;
  std::uint64_t capacity = UINT64_MAX;

  Result<std::unique_ptr<ReadableFile>, FsError> open_read(const std::string& path) override;
  Result<std::unique_ptr<Upload>, FsError> create_upload(const std::string& path, const UploadRequest& req) override;
  std::uint64_t used() const;
};

}  // namespace bootgate::tftp
