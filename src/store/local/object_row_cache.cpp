#include "store/local/object_row_cache.h"

namespace imgpipe::store {

std::optional<ObjectRow> ObjectRowCache::find(const SqliteWalStamp::Value& now,
                                              const std::string& bucket,
                                              const std::string& key) const {
    std::lock_guard lock(mu_);
    if (now != stamp_) return std::nullopt;
    auto it = rows_.find(name(bucket, key));
    if (it == rows_.end()) return std::nullopt;
    return it->second;
}

void ObjectRowCache::insert(const SqliteWalStamp::Value& read_at, const std::string& bucket,
                            const std::string& key, ObjectRow row) {
    row.inline_bytes.clear();  // the bytes have a cache of their own (InlineBytesCache)
    std::lock_guard lock(mu_);
    if (read_at != stamp_ || rows_.size() >= capacity_) {
        rows_.clear();
        stamp_ = read_at;
    }
    rows_.insert_or_assign(name(bucket, key), std::move(row));
}

size_t ObjectRowCache::size() const {
    std::lock_guard lock(mu_);
    return rows_.size();
}

}  // namespace imgpipe::store
