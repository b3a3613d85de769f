#pragma once
// Writing bodies to disk and reading them back, for the local store.
//
// write_body streams a ByteSource into a new file (or, when small, into memory) through 1 MiB
// buffers (one write(2) per MiB, memory flat whatever the size; past the first MiB the writes run
// on a BackgroundAppender while the next buffer is read and hashed), computing MD5 and enforcing
// the size limits as it goes: it stops reading as soon as max_size is crossed. On success the file
// is fsynced and closed; on any failure it is removed. publish_file renames such a file into place
// and fsyncs the directory. FileRangeSource is a ByteSource over a stored file; holding the open
// file keeps its bytes readable even after a newer put unlinks it. Functions are thread-safe;
// each ByteSource is used by one thread at a time.

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_source.h"
#include "core/file_system.h"
#include "core/hex.h"

namespace imgpipe::store {

inline constexpr size_t kIoBufferSize = 1 << 20;

// Incremental MD5 over OpenSSL EVP.
class Md5 {
  public:
    Md5();
    ~Md5();
    Md5(const Md5&) = delete;
    Md5& operator=(const Md5&) = delete;
    void update(std::string_view data);
    // The 16-byte digest; call once.
    std::string finish();

  private:
    EVP_MD_CTX* ctx_;
};

struct BodyLimits {
    uint64_t min_size = 0;
    uint64_t max_size = UINT64_MAX;
    std::optional<std::string> expected_md5;  // 16 raw bytes
    bool compute_md5 = true;
    // A body of at most this many bytes is returned in WrittenBody::inline_bytes and no file
    // is created (the local store keeps such objects in its index).
    uint64_t inline_limit = 0;
};

struct WrittenBody {
    uint64_t size = 0;
    std::string md5;                          // 16 raw bytes; empty when not computed
    std::optional<std::string> inline_bytes;  // the body, when it fit BodyLimits::inline_limit
};

// Streams `body` into a new file at `path` (or into memory, per limits.inline_limit).
// EntityTooLarge / EntityTooSmall / BadDigest per `limits`, the body's own error unchanged, or the
// file system's error; the file is removed on every failure.
Result<WrittenBody> write_body(FileSystem& fs, const std::string& path, ByteSource& body,
                               const BodyLimits& limits);

// Renames `from` to `to` and fsyncs `dir` (the directory of `to`). On failure neither file is
// left behind.
Status publish_file(FileSystem& fs, const std::string& from, const std::string& to,
                    const std::string& dir);

// The bytes [offset, offset + length) of an open file.
class FileRangeSource final : public ByteSource {
  public:
    FileRangeSource(std::unique_ptr<ReadableFile> file, uint64_t offset, uint64_t length)
        : file_(std::move(file)), offset_(offset), remaining_(length) {}
    Result<size_t> read(std::span<char> buf) override;
    std::optional<FileRange> file_range() const override;

  private:
    std::unique_ptr<ReadableFile> file_;
    uint64_t offset_;
    uint64_t remaining_;
};

// The bytes [offset, offset + length) of an immutable string shared with others (an inline
// object's bytes, from InlineBytesCache): handed out without a copy.
class SharedBytesSource final : public ByteSource {
  public:
    // REQUIRES: offset + length <= bytes->size().
    SharedBytesSource(std::shared_ptr<const std::string> bytes, size_t offset, size_t length)
        : bytes_(std::move(bytes)), left_(std::string_view(*bytes_).substr(offset, length)) {}
    Result<size_t> read(std::span<char> buf) override;
    std::optional<std::string_view> buffered() const override { return left_; }

  private:
    std::shared_ptr<const std::string> bytes_;
    std::string_view left_;
};

}  // namespace imgpipe::store
