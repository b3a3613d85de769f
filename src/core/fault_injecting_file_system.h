#pragma once
// FaultInjectingFileSystem: a FileSystem that forwards to another one and makes chosen
// operations fail, in the spirit of leveldb's FaultInjectionTestEnv. Tests use it to show that a
// failed write, fsync, rename, create or directory fsync, or a disk filling up part-way through
// a body, never leaves a visible partial object or a stray file behind.
//
// A fault is armed per operation kind: `fail_next(op)` makes the next matching call fail once,
// `fail_all(op)` makes every matching call fail until `clear()`. A path filter restricts a fault
// to calls whose path contains a substring ("" matches everything). `set_disk_budget(n)` lets
// appends write n more bytes in total, then fails the append that would cross the budget with
// kResourceExhausted "DiskFull" after writing the part that still fits, as a real full disk does.
// Injected failures are kUnavailable "IoError" (or DiskFull for the budget). Thread-safe.

#include <cstdint>
#include <mutex>
#include <optional>

#include "core/file_system.h"

namespace imgpipe {

class FaultInjectingFileSystem final : public FileSystem {
  public:
    enum class Op { kAppend, kSync, kRename, kCreate, kSyncDir };

    // `base` must outlive this object and every file it hands out.
    explicit FaultInjectingFileSystem(FileSystem& base) : base_(base) {}

    // The next call of `op` whose path contains `path_filter` fails (once).
    void fail_next(Op op, std::string path_filter = "");
    // Every call of `op` whose path contains `path_filter` fails until clear().
    void fail_all(Op op, std::string path_filter = "");
    // Appends may write `bytes` more bytes in total; the one crossing it fails with DiskFull.
    void set_disk_budget(uint64_t bytes);
    // available_bytes reports `bytes` (a disk nearly full, say) instead of asking the base.
    void set_available_bytes(uint64_t bytes);
    // Removes every armed fault, the disk budget and the faked free space.
    void clear();
    // How many failures have been injected so far.
    int injected_failures() const;

    Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override;
    Result<std::unique_ptr<ReadableFile>> open_file(const std::string& path) override;
    Status rename(const std::string& from, const std::string& to) override;
    Status remove(const std::string& path) override;
    Status sync_dir(const std::string& path) override;
    Status create_dirs(const std::string& path) override;
    Result<std::vector<std::string>> list_dir(const std::string& path) override;
    bool exists(const std::string& path) override;
    Result<uint64_t> available_bytes(const std::string& path) override;

  private:
    class File;
    struct Fault {
        std::string path_filter;
        bool once = true;
    };

    // Returns the injected failure for `op` on `path`, or ok. Consumes a once-fault.
    Status check(Op op, const std::string& path);
    // How many of `wanted` bytes the budget allows now; sets *full when that is fewer.
    size_t take_budget(size_t wanted, bool* full);

    FileSystem& base_;
    mutable std::mutex mu_;
    std::optional<Fault> faults_[5];     // GUARDED_BY(mu_), indexed by Op
    std::optional<uint64_t> budget_;     // GUARDED_BY(mu_)
    std::optional<uint64_t> available_;  // GUARDED_BY(mu_)
    int injected_ = 0;                   // GUARDED_BY(mu_)
};

}  // namespace imgpipe
