#pragma once
// SqliteWalStamp: "has anything been committed to this database since?", answered without a
// transaction. In WAL mode every commit, by any connection of any process, rewrites the
// WAL-index header at the start of the database's shared memory, the "-shm" file every
// connection maps (sqlite.org/walformat.html: two copies of a 48-byte header, the second written
// first, the first after a memory barrier; `iChange` counts commits, the rest names the last
// frame and the WAL's salt). Reading that header through a connection's own mapping turns the
// question into two 48-byte reads, where a read transaction costs shared-memory locks that are
// fcntl() calls under a process-wide mutex.
//
// The mapping is SQLite's, got through the connection's file (xShmMap): opening the -shm file
// here would not do, because closing any descriptor of a file drops every fcntl lock the process
// holds on it, SQLite's "in use" lock among them, and the next process to open the database
// would then rebuild the WAL-index under this one.
//
// A stamp taken before a read and again after it, and found equal, says the read saw exactly
// the state the stamp names; a later equal stamp says nothing has been committed since.
// Thread-safe.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/result.h"
#include "core/sqlite_db.h"

namespace imgpipe {

class SqliteWalStamp {
  public:
    using Value = std::array<uint32_t, 12>;  // one copy of the 48-byte header

    // Reads the WAL-index of `db`'s database. REQUIRES: `db` is in WAL mode (not
    // locking_mode=EXCLUSIVE, whose WAL-index is private heap memory) and outlives this.
    // Unavailable when the connection has no shared WAL-index (an in-memory database).
    static Result<std::unique_ptr<SqliteWalStamp>> open(SqliteDb& db);

    // The header now; nullopt while a commit is rewriting it (its two copies differ) or while
    // the WAL-index is being rebuilt (not initialised).
    std::optional<Value> read() const;

  private:
    explicit SqliteWalStamp(const volatile void* header) : header_(header) {}

    const volatile void* header_;
};

}  // namespace imgpipe
