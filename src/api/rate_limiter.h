#pragma once
// RateLimiter: a token bucket per client (the remote address), refilled at `rate` tokens per
// second up to `burst`. Time comes from the injected Clock (steady time), so tests move a
// FakeClock instead of sleeping. The table of clients is bounded: past `max_clients`, clients
// whose bucket has refilled are forgotten (they are indistinguishable from new ones), and if
// none has, the longest idle one is. Thread-safe (one mutex per shard of clients).

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace imgpipe::api {

struct RateLimitOptions {
    double rate_per_second = 50;
    double burst = 100;
    size_t max_clients = 100'000;
};

class RateLimiter {
  public:
    struct Decision {
        bool allowed = true;
        // When refused: how long until a request would be allowed (whole seconds, ≥ 1).
        std::chrono::seconds retry_after{0};
    };

    // REQUIRES: rate_per_second > 0, burst >= 1; `clock` outlives the limiter.
    RateLimiter(RateLimitOptions options, const Clock& clock);

    // Takes one token from `client`'s bucket if it has one.
    Decision acquire(std::string_view client);

  private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    static constexpr size_t kShards = 16;
    struct Shard {
        std::mutex mu;
        std::unordered_map<std::string, Bucket> buckets;  // GUARDED_BY(mu)
    };

    double refill(const Bucket& b, std::chrono::steady_clock::time_point now) const;
    void evict(Shard& shard, std::chrono::steady_clock::time_point now);  // REQUIRES: shard.mu held

    RateLimitOptions options_;
    const Clock& clock_;
    std::array<Shard, kShards> shards_;
};

}  // namespace imgpipe::api
