#include "store/local/body_writer.h"

#include <algorithm>
#include <optional>

#include "store/local/buffer_pipe.h"

namespace imgpipe::store {
namespace {

Status too_large(uint64_t max_size) {
    return {StatusCode::kResourceExhausted, "EntityTooLarge",
            "body exceeds the maximum of " + std::to_string(max_size) + " bytes"};
}

// Removes a file on scope exit unless released; the cleanup half of every write path.
class RemoveOnFailure {
  public:
    RemoveOnFailure(FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
    ~RemoveOnFailure() {
        if (!released_) (void)fs_.remove(path_);
    }
    void release() { released_ = true; }

  private:
    FileSystem& fs_;
    std::string path_;
    bool released_ = false;
};

}  // namespace

Md5::Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }

Md5::~Md5() { EVP_MD_CTX_free(ctx_); }

void Md5::update(std::string_view data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }

std::string Md5::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, digest, &len);
    return {reinterpret_cast<const char*>(digest), len};
}

Result<WrittenBody> write_body(FileSystem& fs, const std::string& path, ByteSource& body,
                               const BodyLimits& limits) {
    // The file is created once the body is known to need one: a body that fits
    // limits.inline_limit is returned in memory and never touches the disk.
    std::unique_ptr<WritableFile> file;
    RemoveOnFailure cleanup(fs, path);
    auto create = [&]() -> Status {
        IMGPIPE_ASSIGN_OR_RETURN(file, fs.create_file(path));
        return Status::ok();
    };
    std::unique_ptr<char[]> buffer(new char[kIoBufferSize]);
    size_t filled = 0;
    uint64_t total = 0;
    Md5 md5;
    auto consume = [&](std::string_view data) {
        if (limits.compute_md5) md5.update(data);
        return file->append(data);
    };
    // Started once the body outgrows one buffer: small bodies are consumed without a thread.
    std::optional<BufferPipe> pipe;
    for (;;) {
        if (filled == kIoBufferSize) {
            if (!pipe) {
                IMGPIPE_RETURN_IF_ERROR(create());
                pipe.emplace(kIoBufferSize, consume);
            }
            IMGPIPE_RETURN_IF_ERROR(pipe->submit(std::move(buffer), filled));
            buffer = pipe->take();
            filled = 0;
        }
        // Ask for at most one byte past the limit, so crossing it is seen without reading on.
        size_t want = kIoBufferSize - filled;
        uint64_t allowed = limits.max_size - total;
        if (allowed < want) want = static_cast<size_t>(allowed) + 1;
        IMGPIPE_ASSIGN_OR_RETURN(size_t n, body.read({buffer.get() + filled, want}));
        if (n == 0) break;
        if (n > want) return internal_error("body source returned more bytes than asked for");
        filled += n;
        total += n;
        if (total > limits.max_size) return too_large(limits.max_size);
    }
    if (total < limits.min_size) {
        return invalid_argument("EntityTooSmall", "body of " + std::to_string(total) +
                                                      " bytes is under the minimum of " +
                                                      std::to_string(limits.min_size));
    }
    const bool in_memory = !pipe && total <= limits.inline_limit;
    if (pipe) {
        if (filled > 0) IMGPIPE_RETURN_IF_ERROR(pipe->submit(std::move(buffer), filled));
        IMGPIPE_RETURN_IF_ERROR(pipe->finish());
    } else if (in_memory) {
        if (limits.compute_md5) md5.update({buffer.get(), filled});
    } else {
        IMGPIPE_RETURN_IF_ERROR(create());
        IMGPIPE_RETURN_IF_ERROR(consume({buffer.get(), filled}));
    }
    WrittenBody written{total, limits.compute_md5 ? md5.finish() : std::string(), std::nullopt};
    if (limits.expected_md5 && *limits.expected_md5 != written.md5) {
        return invalid_argument("BadDigest", "Content-MD5 does not match the body");
    }
    if (in_memory) {
        written.inline_bytes.emplace(buffer.get(), filled);
        return written;
    }
    IMGPIPE_RETURN_IF_ERROR(file->sync());
    IMGPIPE_RETURN_IF_ERROR(file->close());
    cleanup.release();
    return written;
}

Status publish_file(FileSystem& fs, const std::string& from, const std::string& to,
                    const std::string& dir) {
    Status renamed = fs.rename(from, to);
    if (!renamed.is_ok()) {
        (void)fs.remove(from);
        return renamed;
    }
    Status synced = fs.sync_dir(dir);
    if (!synced.is_ok()) {
        // Not durable, so not published: the caller reports failure and must not index it.
        (void)fs.remove(to);
        return synced;
    }
    return Status::ok();
}

Result<size_t> FileRangeSource::read(std::span<char> buf) {
    if (remaining_ == 0) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), remaining_));
    IMGPIPE_ASSIGN_OR_RETURN(size_t n, file_->read_at(offset_, buf.first(want)));
    if (n == 0) {
        return Status(StatusCode::kDataLoss, "DataLoss", "stored object file is truncated");
    }
    offset_ += n;
    remaining_ -= n;
    return n;
}

Result<size_t> SharedBytesSource::read(std::span<char> buf) {
    const size_t n = left_.copy(buf.data(), buf.size());
    left_.remove_prefix(n);
    return n;
}

std::optional<ByteSource::FileRange> FileRangeSource::file_range() const {
    const int fd = file_->native_handle();
    if (fd < 0) return std::nullopt;
    return FileRange{fd, offset_, remaining_};
}

}  // namespace imgpipe::store
