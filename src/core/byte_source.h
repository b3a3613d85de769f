#pragma once
// ByteSource: a pull-based stream of bytes. Request bodies, decoding and verifying filters,
// stored objects being read and response bodies are all ByteSources, so a body can flow from the
// socket through aws-chunked decoding and checksum verification into a file without ever being
// held whole in memory. One thread at a time.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace imgpipe {

class ByteSource {
  public:
    virtual ~ByteSource() = default;
    // Reads up to buf.size() bytes (buf is never empty). Returns the count (> 0), or 0 once the
    // stream has ended cleanly. A verifying source reports a mismatch as an error from the read
    // that reaches the end, so a consumer that stops on error never commits unverified data.
    virtual Result<size_t> read(std::span<char> buf) = 0;

    // When what is left to read is exactly a range of an open file, that range: a server may
    // then read the file itself, in chunks of its choosing, instead of calling read() (and must
    // not also read()). The descriptor stays valid while this source lives.
    struct FileRange {
        int fd;
        uint64_t offset;
        uint64_t length;
    };
    virtual std::optional<FileRange> file_range() const { return std::nullopt; }

    // The bytes left to read, when they are all in memory already: a consumer may use them
    // without reading (and must not also read()), e.g. send a small body without a thread to
    // read it or store it without a thread to overlap its writes. Valid while this source lives.
    virtual std::optional<std::string_view> buffered() const { return std::nullopt; }
};

// A ByteSource over an in-memory string (small bodies, tests). `max_read` caps each read, so
// tests and fuzzers can split a body at chosen sizes.
class StringByteSource final : public ByteSource {
  public:
    explicit StringByteSource(std::string data, size_t max_read = SIZE_MAX)
        : data_(std::move(data)), max_read_(max_read == 0 ? 1 : max_read) {}
    Result<size_t> read(std::span<char> buf) override {
        size_t n = std::min({buf.size(), max_read_, data_.size() - pos_});
        data_.copy(buf.data(), n, pos_);
        pos_ += n;
        return n;
    }
    std::optional<std::string_view> buffered() const override {
        return std::string_view(data_).substr(pos_);
    }

  private:
    std::string data_;
    size_t max_read_;
    size_t pos_ = 0;
};

// Reads a source to its end into a string; kResourceExhausted (reason "TooLarge") past `limit`.
Result<std::string> read_all(ByteSource& source, size_t limit);

}  // namespace imgpipe
