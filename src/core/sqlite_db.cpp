#include "core/sqlite_db.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace imgpipe {

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
    std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
    if (db != nullptr) message += std::string(" (") + sqlite3_errmsg(db) + ")";
    switch (rc & 0xff) {
        case SQLITE_FULL:
            return {StatusCode::kResourceExhausted, "DiskFull", std::move(message)};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {StatusCode::kUnavailable, "Busy", std::move(message)};
        default:
            return io_error(std::move(message));
    }
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        if (stmt_ != nullptr) sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = other.stmt_;
        other.stmt_ = nullptr;
    }
    return *this;
}

SqliteStatement::~SqliteStatement() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

void SqliteStatement::bind_text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bind_blob(int i, std::string_view v) {
    // A null pointer would bind NULL instead of an empty BLOB.
    const char* data = v.empty() ? "" : v.data();
    sqlite3_bind_blob(stmt_, i, data, static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bind_int64(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

void SqliteStatement::bind_null(int i) { sqlite3_bind_null(stmt_, i); }

Result<bool> SqliteStatement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_status(db_, rc, sqlite3_sql(stmt_));
}

Status SqliteStatement::run() {
    auto r = step();
    return r.status();
}

std::string SqliteStatement::column_text(int i) const {
    const unsigned char* p = sqlite3_column_text(stmt_, i);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, i))};
}

std::string SqliteStatement::column_blob(int i) const {
    const void* p = sqlite3_column_blob(stmt_, i);
    if (p == nullptr) return {};
    return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, i))};
}

int64_t SqliteStatement::column_int64(int i) const { return sqlite3_column_int64(stmt_, i); }

bool SqliteStatement::column_is_null(int i) const {
    return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

// Process-wide settings, made before SQLite initializes (sqlite3_config refuses them after).
// Memory statistics off: with them on, every allocation and free inside SQLite takes one global
// mutex, which readers on every core then queue on (a profile of cached GETs found most of the
// server's futex calls there). imgpipe never reads those statistics.
namespace {
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, Sync sync) {
    configure_sqlite_once();
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        Status s = sqlite_status(raw, rc, "open " + path);
        sqlite3_close(raw);
        return s;
    }
    std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
    sqlite3_busy_timeout(raw, 5000);
    // WAL lets readers of other connections (and processes: `imgpipe jobs`) run during writes.
    // Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once,
    // without its busy handler, when connections opening the same new file together would
    // deadlock: the statement is tried again from scratch, for up to the busy timeout.
    const std::string pragmas = sync == Sync::kFull
                                    ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                      "PRAGMA foreign_keys=ON;"
                                    : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                      "PRAGMA foreign_keys=ON;";
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (int attempt = 0;; ++attempt) {
        Status st = db->exec(pragmas);
        if (st.is_ok()) break;
        if (st.code() != StatusCode::kUnavailable || std::chrono::steady_clock::now() > give_up) {
            return st;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt + 1, 20)));
    }
    return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        Status s = sqlite_status(db_, rc, sql.substr(0, 60));
        sqlite3_free(error);
        return s;
    }
    return Status::ok();
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, "prepare " + std::string(sql));
    return SqliteStatement(db_, stmt);
}

int SqliteDb::changes() const { return sqlite3_changes(db_); }

Status SqliteDb::flush() {
    IMGPIPE_RETURN_IF_ERROR(exec("PRAGMA synchronous=FULL"));
    Status st = exec(
        "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS flush_marker (n INTEGER NOT NULL);"
        "DELETE FROM flush_marker; INSERT INTO flush_marker VALUES (1); COMMIT;");
    if (!st.is_ok()) (void)exec("ROLLBACK");
    Status restored = exec("PRAGMA synchronous=NORMAL");
    return st.is_ok() ? restored : st;
}

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db), begin_(db.exec("BEGIN IMMEDIATE")) {
    done_ = !begin_.is_ok();
}

SqliteTransaction::~SqliteTransaction() {
    if (!done_) (void)db_.exec("ROLLBACK");
}

Status SqliteTransaction::commit() {
    Status s = db_.exec("COMMIT");
    if (s.is_ok()) done_ = true;
    return s;
}

Status SqliteConnection::open(const std::string& path, SqliteDb::Sync sync, bool query_only) {
    IMGPIPE_ASSIGN_OR_RETURN(db, SqliteDb::open(path, sync));
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

}  // namespace imgpipe
