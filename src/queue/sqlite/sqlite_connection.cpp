#include "queue/sqlite/sqlite_connection.h"

#include <algorithm>

namespace imgpipe::queue::sqlite {

Status SqliteConnection::open(const std::string& path, bool query_only) {
    IMGPIPE_ASSIGN_OR_RETURN(db, SqliteDb::open(path, SqliteDb::Sync::kNormal));
    if (query_only) IMGPIPE_RETURN_IF_ERROR(db->exec("PRAGMA query_only=ON"));
    return Status::ok();
}

Result<SqliteStatement*> SqliteConnection::stmt(const char* sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
        IMGPIPE_ASSIGN_OR_RETURN(auto prepared, db->prepare(sql));
        it = statements.emplace(sql, std::move(prepared)).first;
    }
    return &it->second;
}

int64_t to_nanos(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_nanos(int64_t ns) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(ns)));
}

int64_t nanos_of(std::chrono::milliseconds d) {
    constexpr std::chrono::milliseconds kMax = std::chrono::hours(24 * 365 * 100);
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::clamp(d, std::chrono::milliseconds(0), kMax))
        .count();
}

}  // namespace imgpipe::queue::sqlite
