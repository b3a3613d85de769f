#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace imgpipe::api {

RateLimiter::RateLimiter(RateLimitOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

double RateLimiter::refill(const Bucket& b, std::chrono::steady_clock::time_point now) const {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    return std::min(options_.burst, b.tokens + std::max(0.0, elapsed) * options_.rate_per_second);
}

void RateLimiter::evict(Shard& shard, std::chrono::steady_clock::time_point now) {
    std::erase_if(shard.buckets,
                  [&](const auto& entry) { return refill(entry.second, now) >= options_.burst; });
    const size_t per_shard = std::max<size_t>(1, options_.max_clients / kShards);
    if (shard.buckets.size() < per_shard) return;
    auto oldest = std::min_element(
        shard.buckets.begin(), shard.buckets.end(),
        [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
    shard.buckets.erase(oldest);
}

RateLimiter::Decision RateLimiter::acquire(std::string_view client) {
    const auto now = clock_.steady_now();
    Shard& shard = shards_[std::hash<std::string_view>{}(client) % kShards];
    std::lock_guard lock(shard.mu);
    auto it = shard.buckets.find(std::string(client));
    if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= std::max<size_t>(1, options_.max_clients / kShards)) {
            evict(shard, now);
        }
        it = shard.buckets.emplace(std::string(client), Bucket{options_.burst, now}).first;
    }
    Bucket& b = it->second;
    b.tokens = refill(b, now);
    b.updated = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return {};
    }
    const double wait = (1.0 - b.tokens) / options_.rate_per_second;
    return {false, std::chrono::seconds(std::max<long long>(1, std::llround(std::ceil(wait))))};
}

}  // namespace imgpipe::api
