#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace imgpipe::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiterTest, AllowsTheBurstThenRefusesWithRetryAfter) {
    FakeClock clock;
    RateLimiter limiter({/*rate_per_second=*/2, /*burst=*/3}, clock);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.acquire("10.0.0.1").allowed) << i;
    auto d = limiter.acquire("10.0.0.1");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, seconds(1));  // half a second to the next token, rounded up
}

TEST(RateLimiterTest, RefillsAtTheConfiguredRate) {
    FakeClock clock;
    RateLimiter limiter({/*rate_per_second=*/2, /*burst=*/1}, clock);
    EXPECT_TRUE(limiter.acquire("c").allowed);
    EXPECT_FALSE(limiter.acquire("c").allowed);
    clock.advance(milliseconds(400));
    EXPECT_FALSE(limiter.acquire("c").allowed);
    clock.advance(milliseconds(100));
    EXPECT_TRUE(limiter.acquire("c").allowed);
    // Idle for long: never more than the burst.
    clock.advance(seconds(3600));
    EXPECT_TRUE(limiter.acquire("c").allowed);
    EXPECT_FALSE(limiter.acquire("c").allowed);
}

TEST(RateLimiterTest, RetryAfterCoversSlowRates) {
    FakeClock clock;
    RateLimiter limiter({/*rate_per_second=*/0.1, /*burst=*/1}, clock);
    EXPECT_TRUE(limiter.acquire("c").allowed);
    auto d = limiter.acquire("c");
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, seconds(10));
    clock.advance(seconds(10));
    EXPECT_TRUE(limiter.acquire("c").allowed);
}

TEST(RateLimiterTest, ClientsHaveSeparateBuckets) {
    FakeClock clock;
    RateLimiter limiter({1, 1}, clock);
    EXPECT_TRUE(limiter.acquire("a").allowed);
    EXPECT_FALSE(limiter.acquire("a").allowed);
    EXPECT_TRUE(limiter.acquire("b").allowed);
}

TEST(RateLimiterTest, TableOfClientsStaysBoundedAndKeepsWorking) {
    FakeClock clock;
    RateLimitOptions o;
    o.rate_per_second = 1;
    o.burst = 1;
    o.max_clients = 32;
    RateLimiter limiter(o, clock);
    for (int i = 0; i < 10'000; ++i) {
        EXPECT_TRUE(limiter.acquire("client-" + std::to_string(i)).allowed);
    }
    // A client seen just now is still limited.
    EXPECT_FALSE(limiter.acquire("client-9999").allowed);
}

}  // namespace
}  // namespace imgpipe::api
