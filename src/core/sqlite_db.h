#pragma once
// SqliteDb and SqliteStatement: a thin RAII layer over the sqlite3 C API, shared by the local
// store's index and the pipeline's queue and job store. A SqliteDb owns one connection; a
// SqliteStatement owns one prepared statement and is reset (bindings cleared) by a
// `SqliteStatement::Use` guard so each call starts clean. SQLite result codes become Status:
// SQLITE_FULL → kResourceExhausted "DiskFull", SQLITE_BUSY/LOCKED → kUnavailable "Busy", anything
// else → kUnavailable "IoError". Not thread-safe: the owner serialises access (each user holds a
// mutex per connection).

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace imgpipe {

class SqliteStatement {
  public:
    SqliteStatement() = default;
    SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    SqliteStatement(SqliteStatement&& other) noexcept { *this = std::move(other); }
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    ~SqliteStatement();

    // Resets the statement when it goes out of scope, so no read transaction is left open.
    class Use {
      public:
        explicit Use(SqliteStatement& s) : s_(s) {}
        ~Use() { s_.reset(); }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

      private:
        SqliteStatement& s_;
    };

    // Parameters are 1-based, as in SQL.
    void bind_text(int i, std::string_view v);
    // Binds bytes as a BLOB; keys are always BLOBs so they compare by memcmp (byte order).
    void bind_blob(int i, std::string_view v);
    void bind_int64(int i, int64_t v);
    void bind_null(int i);

    // Steps once: true when a row is available, false when done.
    Result<bool> step();
    // Steps a statement that returns no rows.
    Status run();

    std::string column_text(int i) const;
    std::string column_blob(int i) const;
    int64_t column_int64(int i) const;
    bool column_is_null(int i) const;

    void reset();

  private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
  public:
    // When a commit is durable. kFull: at once (an fsync per commit; the store's index, whose
    // commit is what an acknowledged upload promises). kNormal: against a crash of the process
    // at once, against power loss after the next checkpoint (WAL mode keeps the file consistent
    // either way: a power loss loses only a suffix of commits). The pipeline's database, whose
    // writers make their data durable by flush() where it matters.
    enum class Sync { kFull, kNormal };

    // Opens (creating) the database file; sets WAL, the synchronous mode, busy_timeout.
    static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, Sync sync = Sync::kFull);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    // Runs one or more statements without results.
    Status exec(const std::string& sql);
    Result<SqliteStatement> prepare(std::string_view sql);
    // Rows changed by the last statement.
    int changes() const;
    // Makes every commit so far, of any connection to this file, survive power loss: one small
    // commit with synchronous=FULL, which flushes the WAL holding them all (a checkpoint would
    // not flush it while readers keep it from copying frames). REQUIRES: opened with kNormal.
    Status flush();

  private:
    friend class SqliteWalStamp;  // maps this connection's WAL-index
    explicit SqliteDb(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

// BEGIN IMMEDIATE on construction (check `status()`), ROLLBACK on destruction unless committed.
class SqliteTransaction {
  public:
    explicit SqliteTransaction(SqliteDb& db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;
    const Status& status() const { return begin_; }
    Status commit();

  private:
    SqliteDb& db_;
    Status begin_;
    bool done_ = false;
};

// One connection with the mutex that serialises its use and its prepared-statement cache: what
// every SQLite-backed class here holds two of (a writer for changes, a query-only reader, so in
// WAL mode a read sees the last commit without queueing behind another commit's fsync).
struct SqliteConnection {
    // Opens `path`; `query_only` for a reader.
    Status open(const std::string& path, SqliteDb::Sync sync, bool query_only);

    // The prepared statement for `sql`, prepared on first use. Keyed by the literal's address:
    // every caller passes a string constant. REQUIRES: mu held.
    Result<SqliteStatement*> stmt(const char* sql);

    std::mutex mu;
    std::unique_ptr<SqliteDb> db;                                 // GUARDED_BY(mu)
    std::unordered_map<const char*, SqliteStatement> statements;  // GUARDED_BY(mu)
};

// Times are stored as nanoseconds since the Unix epoch in INTEGER columns.
int64_t to_nanos(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_nanos(int64_t ns);
// A duration in nanoseconds, clamped to [0, 100 years] so `now + d` cannot overflow.
int64_t nanos_of(std::chrono::milliseconds d);

// Maps an SQLite result code to a Status (see the header paragraph).
Status sqlite_status(sqlite3* db, int rc, std::string_view what);

}  // namespace imgpipe
