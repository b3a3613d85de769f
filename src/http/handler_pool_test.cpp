#include "http/handler_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace imgpipe::http {
namespace {

TEST(HandlerPoolTest, RunsEveryTaskBeforeShutdownReturns) {
    HandlerPool pool("test-handler", 4, 1000);
    std::atomic<int> done{0};
    for (int i = 0; i < 100; ++i) pool.submit([&] { ++done; });
    pool.shutdown();
    EXPECT_EQ(done.load(), 100);
}

TEST(HandlerPoolTest, ThreadsCarryThePoolsName) {
    HandlerPool pool("test-handler", 2, 1000);
    std::string name;
    pool.submit([&] {
        char buffer[16] = {};
        pthread_getname_np(pthread_self(), buffer, sizeof buffer);
        name = buffer;
    });
    pool.shutdown();
    EXPECT_EQ(name, "test-handler");
}

TEST(HandlerPoolTest, NeverRunsMoreThanMaxThreadsAtOnce) {
    HandlerPool pool("test-handler", 3, 1000);
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

TEST(HandlerPoolTest, TrySubmitRefusesOnceTheLineIsFull) {
    HandlerPool pool("test-handler", 2, 3);
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    int started = 0;
    auto task = [&] {
        std::unique_lock lock(mu);
        ++started;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
    };
    // Two run (one per thread), three wait; the sixth is refused while they all hold.
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(pool.try_submit(task)) << i;
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return started == 2; });
    }
    EXPECT_FALSE(pool.try_submit(task));
    pool.submit([] {});  // continuing work is never refused
    {
        std::lock_guard lock(mu);
        release = true;
    }
    cv.notify_all();
    pool.shutdown();
    EXPECT_EQ(started, 5);
}

}  // namespace
}  // namespace imgpipe::http
