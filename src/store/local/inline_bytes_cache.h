#pragma once
// InlineBytesCache: the bytes of inline objects (those kept in the index, LocalObjectStore::
// kInlineLimit) read lately, by data id, so a hot thumbnail is not copied out of SQLite's
// overflow pages on every GET. A data id names bytes that never change (each write draws a new
// random id), so an entry can never be stale: a reader still looks its row up in the index,
// which says which data id is current, and takes only the bytes from here. Deleted objects'
// entries simply age out. Bounded by the bytes held (least recently used out first); an entry
// handed out stays valid for its holder after eviction. Thread-safe.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace imgpipe::store {

class InlineBytesCache {
  public:
    explicit InlineBytesCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

    // The bytes of `data_id`, or null when not cached.
    std::shared_ptr<const std::string> find(const std::string& data_id);
    // Keeps `bytes` as the bytes of `data_id` (a no-op when larger than the whole capacity).
    void insert(const std::string& data_id, std::shared_ptr<const std::string> bytes);
    size_t bytes() const;

  private:
    struct Entry {
        std::string data_id;
        std::shared_ptr<const std::string> bytes;
    };

    const size_t capacity_;
    mutable std::mutex mu_;
    std::list<Entry> lru_;  // GUARDED_BY(mu_): most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> by_id_;  // GUARDED_BY(mu_)
    size_t held_ = 0;                                                     // GUARDED_BY(mu_)
};

}  // namespace imgpipe::store
