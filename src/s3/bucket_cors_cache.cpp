#include "s3/bucket_cors_cache.h"

#include "core/log.h"

namespace imgpipe::s3 {

std::shared_ptr<const CorsConfig> BucketCorsCache::rules(store::ObjectStore& store,
                                                         const Clock& clock,
                                                         const std::string& bucket) {
    const auto now = clock.steady_now();
    {
        std::lock_guard lock(mu_);
        auto it = entries_.find(bucket);
        if (it != entries_.end() && it->second.expires > now) return it->second.rules;
    }
    // Read outside the lock: two requests may both read a missing entry, which is harmless.
    auto xml = store.get_bucket_cors(bucket);
    if (!xml.is_ok()) {
        // A bucket that does not exist is not remembered, so that requests naming made-up
        // buckets cannot fill the cache.
        return nullptr;
    }
    std::shared_ptr<const CorsConfig> parsed;
    if (!xml->empty()) {
        auto config = parse_cors_config(*xml);
        if (config.is_ok()) {
            parsed = std::make_shared<const CorsConfig>(std::move(config).value());
        } else {
            log::error("stored bucket CORS configuration does not parse",
                       {{"bucket", bucket}, {"status", config.status().to_string()}});
        }
    }
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[bucket] = {parsed, now + ttl_};
    return parsed;
}

void BucketCorsCache::invalidate(const std::string& bucket) {
    std::lock_guard lock(mu_);
    entries_.erase(bucket);
}

}  // namespace imgpipe::s3
