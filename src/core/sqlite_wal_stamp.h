#pragma once
// SqliteWalStamp: "has anything been committed to this database since?", answered without a
// transaction. In WAL mode every commit, by any connection of any process, rewrites the
// WAL-index header at the start of the database's "-shm" file, which every connection maps
// shared (sqlite.org/walformat.html: two copies of a 48-byte header, the second written first,
// the first after a memory barrier; it counts commits in `iChange` and names the last frame).
// Mapping that page read-only here turns the question into two 48-byte reads, where a read
// transaction costs shared-memory locks that are fcntl() calls under a process-wide mutex.
//
// A stamp taken before a read and again after it, and found equal, says the read saw exactly
// the state the stamp names; a later equal stamp says nothing has been committed since. Only
// the unix VFS's mmapped wal-index is read (not heap memory: locking_mode=EXCLUSIVE is never
// used here). Thread-safe.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace imgpipe {

class SqliteWalStamp {
  public:
    using Value = std::array<uint32_t, 12>;  // one copy of the 48-byte header

    // Maps `<db_path>-shm`. REQUIRES: a connection of this process has the database open in WAL
    // mode and has read or written it, and keeps it open for as long as this lives (then no
    // other process truncates the file under the mapping: SQLite only does that when no
    // connection anywhere holds it).
    static Result<std::unique_ptr<SqliteWalStamp>> open(const std::string& db_path);
    ~SqliteWalStamp();
    SqliteWalStamp(const SqliteWalStamp&) = delete;
    SqliteWalStamp& operator=(const SqliteWalStamp&) = delete;

    // The header now; nullopt while a commit is rewriting it (its two copies differ).
    std::optional<Value> read() const;

  private:
    SqliteWalStamp(const void* map, size_t size) : map_(map), size_(size) {}

    const void* map_;
    size_t size_;
};

}  // namespace imgpipe
