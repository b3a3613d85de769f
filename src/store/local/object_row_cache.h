#pragma once
// ObjectRowCache: the object rows the index read lately, each good for as long as the database
// has had no commit since it was read (SqliteWalStamp), so a hot object's GET skips the read
// transaction. All entries share one stamp: any commit anywhere (another key, another process)
// empties the cache on the next insert, which keeps the rule simple and can never serve a row
// some commit changed. A row is only kept when the same stamp was seen before and after it was
// read, so it is the row of exactly that state. Bounded by entry count (emptied when full).
// Thread-safe.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/sqlite_wal_stamp.h"
#include "store/local/sqlite_index.h"

namespace imgpipe::store {

class ObjectRowCache {
  public:
    explicit ObjectRowCache(size_t capacity) : capacity_(capacity) {}

    // The row of bucket/key as read at stamp `now`, when one is held.
    std::optional<ObjectRow> find(const SqliteWalStamp::Value& now, const std::string& bucket,
                                  const std::string& key) const;
    // Keeps `row` as bucket/key's row at stamp `read_at` (the stamp seen both before and after
    // the read). Rows held under any other stamp are dropped.
    void insert(const SqliteWalStamp::Value& read_at, const std::string& bucket,
                const std::string& key, ObjectRow row);
    size_t size() const;

  private:
    // Bucket names hold no '/', so "bucket/key" names one row.
    static std::string name(const std::string& bucket, const std::string& key) {
        return bucket + '/' + key;
    }

    const size_t capacity_;
    mutable std::mutex mu_;
    SqliteWalStamp::Value stamp_{};                    // GUARDED_BY(mu_)
    std::unordered_map<std::string, ObjectRow> rows_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::store
