#pragma once
// SqliteConnection: one SQLite connection of the queue's SQLite implementations, with the mutex
// that serialises its use and its prepared-statement cache, plus the time encoding their tables
// share (nanoseconds since the Unix epoch in an INTEGER column). Each implementation holds two:
// a writer for changes and a query-only reader, so in WAL mode a read sees the last commit
// without queueing behind another commit's fsync.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/sqlite_db.h"

namespace imgpipe::queue::sqlite {

struct SqliteConnection {
    // Opens a connection to `path`; `query_only` for a reader.
    Status open(const std::string& path, bool query_only);

    // The prepared statement for `sql`, prepared on first use. Keyed by the literal's address:
    // every caller passes a string constant. REQUIRES: mu held.
    Result<SqliteStatement*> stmt(const char* sql);

    std::mutex mu;
    std::unique_ptr<SqliteDb> db;                                 // GUARDED_BY(mu)
    std::unordered_map<const char*, SqliteStatement> statements;  // GUARDED_BY(mu)
};

int64_t to_nanos(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point from_nanos(int64_t ns);
// A duration in nanoseconds, clamped to [0, 100 years] so `now + d` cannot overflow.
int64_t nanos_of(std::chrono::milliseconds d);

}  // namespace imgpipe::queue::sqlite
