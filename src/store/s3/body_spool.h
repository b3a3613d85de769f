#pragma once
// BodySpool: a request body of unknown length made replayable with a known length, for S3
// requests that need Content-Length and may be retried: the first `memory_limit` bytes are kept
// in memory and the rest spill into an anonymous temporary file (unlinked at once, gone when the
// spool is). Its MD5 is computed on the way in. Used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>

#include "core/byte_source.h"
#include "core/result.h"
#include "store/s3/s3_http.h"

namespace imgpipe::store::s3 {

// Incremental MD5 (OpenSSL), for Content-MD5 and digest checks.
class Md5 {
  public:
    Md5();
    ~Md5();
    Md5(const Md5&) = delete;
    Md5& operator=(const Md5&) = delete;
    void update(std::string_view bytes);
    std::string finish();  // 16 raw bytes; REQUIRES: called once

  private:
    void* ctx_;
};

class BodySpool {
  public:
    // Reads `source` to its end. EntityTooLarge (kResourceExhausted) as soon as more than
    // `max_size` bytes arrive; the source's own errors unchanged; IoError if the temporary file
    // cannot be written.
    static Result<std::unique_ptr<BodySpool>> read(ByteSource& source, size_t memory_limit,
                                                   uint64_t max_size);
    ~BodySpool();
    BodySpool(const BodySpool&) = delete;
    BodySpool& operator=(const BodySpool&) = delete;

    uint64_t size() const { return size_; }
    const std::string& md5() const { return md5_; }
    // Valid while the spool lives.
    RequestBody body() const;

  private:
    BodySpool() = default;
    std::string memory_;
    int fd_ = -1;
    uint64_t size_ = 0;
    std::string md5_;
};

// Reads from `source` into `out` until it holds `limit` bytes or the source ends; returns true
// when the source ended. The source's errors unchanged.
Result<bool> read_up_to(ByteSource& source, std::string& out, size_t limit);

}  // namespace imgpipe::store::s3
