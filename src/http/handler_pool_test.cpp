#include "http/handler_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace imgpipe::http {
namespace {

TEST(HandlerPoolTest, RunsEveryTaskBeforeShutdownReturns) {
    HandlerPool pool(4);
    std::atomic<int> done{0};
    for (int i = 0; i < 100; ++i) pool.submit([&] { ++done; });
    pool.shutdown();
    EXPECT_EQ(done.load(), 100);
}

TEST(HandlerPoolTest, NeverRunsMoreThanMaxThreadsAtOnce) {
    HandlerPool pool(3);
    std::mutex mu;
    std::condition_variable cv;
    int running = 0;
    int peak = 0;
    for (int i = 0; i < 12; ++i) {
        pool.submit([&] {
            std::unique_lock lock(mu);
            ++running;
            peak = std::max(peak, running);
            // Hold the slot until three tasks overlap (bounded, for the last stragglers).
            cv.notify_all();
            cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return running >= 3; });
            --running;
        });
    }
    pool.shutdown();
    EXPECT_EQ(peak, 3);
}

}  // namespace
}  // namespace imgpipe::http
