#include <algorithm>
#include <cstring>

#include "core/tftp/file_system.hpp"

namespace bootgate::tftp {

std::string_view to_string(FsError e) {
  switch (e) {
    case FsError::not_found: return "not found";
    case FsError::access_denied: return "access denied";
    case FsError::exists: return "already exists";
    case FsError::no_space: return "no space left";
    case FsError::too_large: return "too large";
    case FsError::size_mismatch: return "size differs from the announced tsize";
    case FsError::io_error: return "I/O error";
  }
  return "?";
}

namespace {

class MemoryFile final : public ReadableFile {
 public:
  explicit MemoryFile(const std::vector<std::uint8_t>& data) : data_(data) {}
  std::uint64_t size() const override { return data_.size(); }
  Result<std::size_t, FsError> read_at(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= data_.size()) return std::size_t{0};
    const auto n = std::min<std::uint64_t>(out.size(), data_.size() - offset);
    std::memcpy(out.data(), data_.data() + offset, n);
    return static_cast<std::size_t>(n);
  }

 private:
  std::vector<std::uint8_t> data_;  // a snapshot, like an open fd on a file later replaced
};

class MemoryUpload final : public Upload {
 public:
  MemoryUpload(MemoryFileSystem& fs, std::string path, bool overwrite) : fs_(fs), path_(std::move(path)), overwrite_(overwrite) {}
  Result<Ok, FsError> write(std::span<const std::uint8_t> data) override {
    if (fs_.used() + data_.size() + data.size() > fs_.capacity) return Unexpected{FsError::no_space};
    data_.insert(data_.end(), data.begin(), data.end());
    return Ok{};
  }
  Result<Ok, FsError> commit() override {
    if (!overwrite_ && fs_.files.count(path_)) return Unexpected{FsError::exists};
    fs_.files[path_] = std::move(data_);
    return Ok{};
  }

 private:
  MemoryFileSystem& fs_;
  std::string path_;
  bool overwrite_;
  std::vector<std::uint8_t> data_;
};

}  // namespace

std::uint64_t MemoryFileSystem::used() const {
  std::uint64_t n = 0;
  for (const auto& [_, f] : files) n += f.size();
  return n;
}

Result<std::unique_ptr<ReadableFile>, FsError> MemoryFileSystem::open_read(const std::string& path) {
  auto it = files.find(path);
  if (it == files.end()) return Unexpected{FsError::not_found};
  return std::unique_ptr<ReadableFile>(std::make_unique<MemoryFile>(it->second));
}

Result<std::unique_ptr<Upload>, FsError> MemoryFileSystem::create_upload(const std::string& path, const UploadRequest& req) {
  if (!req.overwrite && files.count(path)) return Unexpected{FsError::exists};
  if (req.expected_size > 0 && used() + req.expected_size > capacity) return Unexpected{FsError::no_space};
  return std::unique_ptr<Upload>(std::make_unique<MemoryUpload>(*this, path, req.overwrite));
}

}  // namespace bootgate::tftp
