#pragma once
// FileSystem: the port through which durable state touches the disk (object data, temp files,
// directories). PosixFileSystem is the real one; FaultInjectingFileSystem wraps another and makes
// chosen operations fail (failed write, fsync or rename, disk full) so tests can show that no
// failure leaves a visible partial object. Implementations are thread-safe; a single file
// object is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace imgpipe {

// A file being written from start to end.
class WritableFile {
  public:
    virtual ~WritableFile() = default;
    // Appends `data`. kResourceExhausted (reason "DiskFull") when the disk is full, kUnavailable
    // (reason "IoError") on other I/O errors.
    virtual Status append(std::string_view data) = 0;
    // Makes everything appended so far durable (fsync).
    virtual Status sync() = 0;
    // Closes the file; further calls are invalid. Destruction closes too, ignoring errors.
    virtual Status close() = 0;
};

// A file read at arbitrary offsets; safe to share between threads.
class ReadableFile {
  public:
    virtual ~ReadableFile() = default;
    // Reads up to buf.size() bytes at `offset`; returns the count, 0 only at end of file.
    virtual Result<size_t> read_at(uint64_t offset, std::span<char> buf) const = 0;
    virtual uint64_t size() const = 0;
    // The open file descriptor, for a server that sends the file itself; -1 when there is
    // none. Valid while this object lives; never closed by the caller.
    virtual int native_handle() const { return -1; }
};

class FileSystem {
  public:
    virtual ~FileSystem() = default;
    // Creates a new file for writing; kAlreadyExists if `path` exists.
    virtual Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) = 0;
    // kNotFound if `path` does not exist.
    virtual Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) = 0;
    // Atomically replaces `to` with `from` (rename(2)).
    virtual Status rename(const std::string& from, const std::string& to) = 0;
    // Removes a file; ok if it did not exist.
    virtual Status remove(const std::string& path) = 0;
    // fsyncs a directory so that renames and creations in it are durable.
    virtual Status sync_dir(const std::string& path) = 0;
    // mkdir -p.
    virtual Status create_dirs(const std::string& path) = 0;
    // Names (not paths) of the entries of a directory; kNotFound if it does not exist.
    virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;
    virtual bool exists(const std::string& path) = 0;
    // Bytes an unprivileged writer may still use on the file system holding `path` (statvfs
    // f_bavail * f_frsize). IoError when it cannot be asked. The default knows nothing:
    // kUnimplemented.
    virtual Result<uint64_t> available_bytes(const std::string& path) {
        return Status(StatusCode::kUnimplemented, "Unimplemented", "available_bytes of " + path);
    }
};

// The process-wide real file system.
FileSystem& posix_file_system();

}  // namespace imgpipe
