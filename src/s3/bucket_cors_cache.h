#pragma once
// BucketCorsCache: each bucket's parsed CORS rules, kept in memory so that a request with an
// Origin header (every browser request, preflights included) does not read and parse the
// bucket's CORSConfiguration from the store each time. PutBucketCors, DeleteBucketCors and
// DeleteBucket invalidate their bucket's entry; an entry also expires after a short time, so
// that a change made through another replica sharing the store is seen soon.
// Thread-safe.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "s3/cors.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

class BucketCorsCache {
  public:
    // At most this many buckets are remembered; past it the cache starts afresh.
    static constexpr size_t kMaxEntries = 10000;

    explicit BucketCorsCache(std::chrono::milliseconds ttl = std::chrono::seconds(10))
        : ttl_(ttl) {}

    // The bucket's own rules; null when it has none, does not exist, or its stored rules
    // cannot be read (logged), so that the server's default applies.
    std::shared_ptr<const CorsConfig> rules(store::ObjectStore& store, const Clock& clock,
                                            const std::string& bucket);
    // Forgets the bucket's entry: its rules changed, or it was deleted.
    void invalidate(const std::string& bucket);

  private:
    struct Entry {
        std::shared_ptr<const CorsConfig> rules;
        std::chrono::steady_clock::time_point expires;
    };

    const std::chrono::milliseconds ttl_;
    std::mutex mu_;
    std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::s3
