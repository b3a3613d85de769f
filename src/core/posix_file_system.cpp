// PosixFileSystem: the real FileSystem over POSIX calls. Every descriptor is opened with
// O_CLOEXEC so a spawned child never inherits object files; writes loop until every byte is
// written (short writes and EINTR are normal on pipes, NFS and signals); ENOSPC/EDQUOT become
// kResourceExhausted "DiskFull" so the S3 edge can answer 507/503 instead of a generic 500.
// Writable files stream like this (the pattern Linux's own developers recommend for large
// sequential writes): every kWritebackChunk bytes, start the kernel's writeback of the new chunk,
// wait for the chunk before it to reach the disk and drop that one from the page cache. The disk
// works while the rest of a large object is still arriving, the final fsync has little left to
// do, dirty memory stays bounded, and a large upload does not push everything else out of the
// page cache (on the VM this was measured on, keeping it cached made every third 256 MiB PUT
// spend 5x the kernel time reclaiming pages). Objects under two chunks are left alone: they are
// the images the worker reads right back.
// Readable files ask for the next kReadAheadWindow bytes in the background whenever a read
// passes a kReadAheadStep mark: the kernel's own readahead (128 KiB by default) is far less
// than a reader streaming a file in pieces takes between two reads (CopyObject, completing a
// multipart upload), which would otherwise wait on the disk once per read. Downloads do not
// come here: the HTTP server reads the descriptor itself (http/file_range_sender.h).
// Thread-safe: the object holds no state; readable files use pread, so one can be shared.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_system.h"

namespace imgpipe {
namespace {

Status errno_status(int err, std::string_view what, const std::string& path) {
    std::string message = std::string(what) + " " + path + ": " + std::strerror(err);
    if (err == ENOSPC || err == EDQUOT) {
        return {StatusCode::kResourceExhausted, "DiskFull", std::move(message)};
    }
    if (err == ENOENT) return not_found("NotFound", std::move(message));
    if (err == EEXIST) return {StatusCode::kAlreadyExists, "AlreadyExists", std::move(message)};
    return io_error(std::move(message));
}

constexpr uint64_t kWritebackChunk = 8 << 20;
constexpr uint64_t kReadAheadStep = 2 << 20;
constexpr uint64_t kReadAheadWindow = 8 << 20;

class PosixWritableFile final : public WritableFile {
  public:
    PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    ~PosixWritableFile() override {
        if (fd_ >= 0) ::close(fd_);
    }

    Status append(std::string_view data) override {
        if (fd_ < 0) return internal_error("append after close: " + path_);
        while (!data.empty()) {
            ssize_t n = ::write(fd_, data.data(), data.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno_status(errno, "write", path_);
            }
            data.remove_prefix(static_cast<size_t>(n));
            written_ += static_cast<uint64_t>(n);
        }
        if (written_ - written_back_ >= kWritebackChunk) stream_out();
        return Status::ok();
    }

    Status sync() override {
        if (fd_ < 0) return internal_error("sync after close: " + path_);
        while (::fsync(fd_) != 0) {
            if (errno != EINTR) return errno_status(errno, "fsync", path_);
        }
        return Status::ok();
    }

    Status close() override {
        if (fd_ < 0) return Status::ok();
        int fd = fd_;
        fd_ = -1;
        // Linux always releases the descriptor, even when close reports EINTR; never retry.
        if (::close(fd) != 0 && errno != EINTR) return errno_status(errno, "close", path_);
        return Status::ok();
    }

  private:
    // Hints only: errors they meet are reported by sync(), so their results are not checked.
    void stream_out() {
        const auto at = [](uint64_t offset) { return static_cast<off64_t>(offset); };
        ::sync_file_range(fd_, at(written_back_), at(written_ - written_back_),
                          SYNC_FILE_RANGE_WRITE);
        if (written_back_ > dropped_) {
            ::sync_file_range(
                fd_, at(dropped_), at(written_back_ - dropped_),
                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            ::posix_fadvise(fd_, at(dropped_), at(written_back_ - dropped_), POSIX_FADV_DONTNEED);
            dropped_ = written_back_;
        }
        written_back_ = written_;
    }

    int fd_;
    std::string path_;
    uint64_t written_ = 0;
    uint64_t written_back_ = 0;  // writeback started for [0, written_back_)
    uint64_t dropped_ = 0;       // on disk and out of the page cache: [0, dropped_)
};

class PosixReadableFile final : public ReadableFile {
  public:
    PosixReadableFile(int fd, uint64_t size, std::string path)
        : fd_(fd), size_(size), path_(std::move(path)) {}
    ~PosixReadableFile() override { ::close(fd_); }

    Result<size_t> read_at(uint64_t offset, std::span<char> buf) const override {
        for (;;) {
            ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
            if (n >= 0) {
                const uint64_t end = offset + static_cast<uint64_t>(n);
                if (end / kReadAheadStep != offset / kReadAheadStep && end < size_) {
                    // A hint: it starts reads and does not wait for them; failure is harmless.
                    ::posix_fadvise(fd_, static_cast<off_t>(end),
                                    static_cast<off_t>(kReadAheadWindow), POSIX_FADV_WILLNEED);
                }
                return static_cast<size_t>(n);
            }
            if (errno != EINTR) return errno_status(errno, "pread", path_);
        }
    }
    uint64_t size() const override { return size_; }
    int native_handle() const override { return fd_; }

  private:
    int fd_;
    uint64_t size_;
    std::string path_;
};

class PosixFileSystem final : public FileSystem {
  public:
    Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override {
        int fd;
        do {
            fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno_status(errno, "create", path);
        return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(fd, path));
    }

    Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) override {
        int fd;
        do {
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno_status(errno, "open", path);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            Status s = errno_status(errno, "fstat", path);
            ::close(fd);
            return s;
        }
        if (S_ISDIR(st.st_mode)) {
            ::close(fd);
            return io_error("open " + path + ": is a directory");
        }
        return std::unique_ptr<ReadableFile>(
            std::make_unique<PosixReadableFile>(fd, static_cast<uint64_t>(st.st_size), path));
    }

    Status rename(const std::string& from, const std::string& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            return errno_status(errno, "rename to " + to + " from", from);
        }
        return Status::ok();
    }

    Status remove(const std::string& path) override {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return errno_status(errno, "unlink", path);
        }
        return Status::ok();
    }

    Status sync_dir(const std::string& path) override {
        int fd;
        do {
            fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) return errno_status(errno, "open dir", path);
        int rc;
        do {
            rc = ::fsync(fd);
        } while (rc != 0 && errno == EINTR);
        int err = errno;
        ::close(fd);
        if (rc != 0) return errno_status(err, "fsync dir", path);
        return Status::ok();
    }

    Status create_dirs(const std::string& path) override {
        if (path.empty()) return invalid_argument("InvalidPath", "create_dirs: empty path");
        // Common case first: the parent exists, so one mkdir does it.
        if (::mkdir(path.c_str(), 0755) == 0) return Status::ok();
        if (errno == ENOENT) {
            size_t slash = path.find_last_not_of('/');
            slash = slash == std::string::npos ? std::string::npos : path.rfind('/', slash);
            if (slash != std::string::npos && slash > 0) {
                IMGPIPE_RETURN_IF_ERROR(create_dirs(path.substr(0, slash)));
            }
            if (::mkdir(path.c_str(), 0755) == 0) return Status::ok();
        }
        if (errno != EEXIST) return errno_status(errno, "mkdir", path);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return errno_status(errno, "stat", path);
        if (!S_ISDIR(st.st_mode)) return io_error("mkdir " + path + ": not a directory");
        return Status::ok();
    }

    Result<std::vector<std::string>> list_dir(const std::string& path) override {
        DIR* dir = ::opendir(path.c_str());
        if (dir == nullptr) return errno_status(errno, "opendir", path);
        std::vector<std::string> names;
        errno = 0;
        while (struct dirent* entry = ::readdir(dir)) {
            std::string_view name = entry->d_name;
            if (name != "." && name != "..") names.emplace_back(name);
        }
        int err = errno;
        ::closedir(dir);
        if (err != 0) return errno_status(err, "readdir", path);
        return names;
    }

    bool exists(const std::string& path) override {
        struct stat st {};
        return ::stat(path.c_str(), &st) == 0;
    }

    Result<uint64_t> available_bytes(const std::string& path) override {
        struct statvfs st {};
        if (::statvfs(path.c_str(), &st) != 0) return errno_status(errno, "statvfs", path);
        return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    }
};

}  // namespace

FileSystem& posix_file_system() {
    static PosixFileSystem fs;
    return fs;
}

}  // namespace imgpipe
