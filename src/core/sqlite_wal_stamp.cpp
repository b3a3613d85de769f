#include "core/sqlite_wal_stamp.h"

#include <atomic>
#include <cstring>

namespace imgpipe {
namespace {

constexpr size_t kHeaderWords = std::tuple_size_v<SqliteWalStamp::Value>;
constexpr int kWalIndexRegion = 32768;  // the size SQLite maps the WAL-index in
constexpr size_t kIsInitByte = 12;      // WalIndexHdr.isInit

// Word by word, as the writer's memcpy may be seen half done: the copies' comparison catches that.
SqliteWalStamp::Value load(const volatile uint32_t* words) {
    SqliteWalStamp::Value v{};
    for (size_t i = 0; i < kHeaderWords; ++i) v[i] = words[i];
    return v;
}

}  // namespace

Result<std::unique_ptr<SqliteWalStamp>> SqliteWalStamp::open(SqliteDb& db) {
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db.db_, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
        file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
        file->pMethods->xShmMap == nullptr) {
        return Status(StatusCode::kUnavailable, "NoWalIndex", "the database has no shared memory");
    }
    // Region 0, as mapped for this connection (mapped now if it was not yet); it stays mapped
    // until the connection closes.
    void volatile* region = nullptr;
    const int rc = file->pMethods->xShmMap(file, 0, kWalIndexRegion, 0, &region);
    if (rc != SQLITE_OK || region == nullptr) {
        return Status(StatusCode::kUnavailable, "NoWalIndex",
                      std::string("mapping the WAL-index: ") + sqlite3_errstr(rc));
    }
    return std::unique_ptr<SqliteWalStamp>(new SqliteWalStamp(region));
}

std::optional<SqliteWalStamp::Value> SqliteWalStamp::read() const {
    // As SQLite's own readers do (walIndexTryHdr): the first copy, a barrier, the second. The
    // fences around keep the caller's reads (SQLite's, of the state this stamp names) from
    // moving across these on a weakly ordered CPU.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const auto* words = static_cast<const volatile uint32_t*>(header_);
    const Value first = load(words);
    std::atomic_thread_fence(std::memory_order_acquire);
    const Value second = load(words + kHeaderWords);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint8_t bytes[sizeof(Value)];
    std::memcpy(bytes, first.data(), sizeof bytes);
    if (first != second || bytes[kIsInitByte] == 0) return std::nullopt;
    return first;
}

}  // namespace imgpipe
