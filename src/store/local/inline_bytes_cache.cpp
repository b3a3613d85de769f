#include "store/local/inline_bytes_cache.h"

namespace imgpipe::store {

std::shared_ptr<const std::string> InlineBytesCache::find(const std::string& data_id) {
    std::lock_guard lock(mu_);
    auto it = by_id_.find(data_id);
    if (it == by_id_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->bytes;
}

void InlineBytesCache::insert(const std::string& data_id,
                              std::shared_ptr<const std::string> bytes) {
    if (!bytes || bytes->size() > capacity_) return;
    std::lock_guard lock(mu_);
    if (by_id_.contains(data_id)) return;  // the same bytes, by the cache's premise
    held_ += bytes->size();
    lru_.push_front({data_id, std::move(bytes)});
    by_id_.emplace(data_id, lru_.begin());
    while (held_ > capacity_) {
        held_ -= lru_.back().bytes->size();
        by_id_.erase(lru_.back().data_id);
        lru_.pop_back();
    }
}

size_t InlineBytesCache::bytes() const {
    std::lock_guard lock(mu_);
    return held_;
}

}  // namespace imgpipe::store
