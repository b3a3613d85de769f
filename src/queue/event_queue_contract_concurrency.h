#pragma once
// EventQueue contract: wait_for_work, and several handles on one queue (as several processes
// would open it) sharing the work without ever leasing one message twice. Part of the suite in
// event_queue_contract.h. These tests use real threads and real time.

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "queue/event_queue_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(EventQueueContractTest, WaitForWorkWakesWhenAnotherThreadPublishes) {
    constexpr auto kTimeout = 30s;  // generous: only a wait that missed the publish runs into it
    const uint64_t seen = queue().work_generation();
    EXPECT_TRUE(nothing_visible());
    const auto start = std::chrono::steady_clock::now();
    std::thread publisher([&] {
        std::this_thread::sleep_for(100ms);
        EXPECT_TRUE(queue().publish("wake", "up").is_ok());
    });
    uint64_t current = seen;
    // A wake-up is a hint (it may come early): wait again until the generation moved.
    while (current == seen && std::chrono::steady_clock::now() - start < kTimeout) {
        current = queue().wait_for_work(seen, kTimeout);
    }
    publisher.join();
    EXPECT_NE(current, seen) << "woken by the publish, not the timeout";
    EXPECT_LT(std::chrono::steady_clock::now() - start, kTimeout / 2);
    EXPECT_EQ(claim().id, "wake");
}

TEST_P(EventQueueContractTest, PublishBetweenAnEmptyClaimAndTheWaitIsNotSleptThrough) {
    const uint64_t seen = queue().work_generation();
    EXPECT_TRUE(nothing_visible());
    publish("m");  // lands before the consumer waits
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NE(queue().wait_for_work(seen, 30s), seen);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_P(EventQueueContractTest, WaitForWorkReturnsAfterTheTimeoutWhenIdle) {
    const uint64_t seen = queue().work_generation();
    EXPECT_TRUE(nothing_visible());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(queue().wait_for_work(seen, 150ms), seen);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 10s);
}

TEST_P(EventQueueContractTest, WorkGenerationMovesOnPublishReleaseAndRequeue) {
    uint64_t g = queue().work_generation();
    auto expect_moved = [&](const char* what) {
        const uint64_t now_generation = queue().work_generation();
        EXPECT_NE(now_generation, g) << what;
        g = now_generation;
    };
    publish("m");
    expect_moved("publish");
    QueueMessage m = claim();
    ASSERT_TRUE(queue().release(m, 0ms, "again").is_ok());
    expect_moved("release");
    ASSERT_TRUE(queue().bury(claim(), "give up").is_ok());
    ASSERT_TRUE(queue().requeue("m").is_ok());
    expect_moved("requeue");
}

TEST_P(EventQueueContractTest, PeersShareOneQueue) {
    std::unique_ptr<EventQueue> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    ASSERT_TRUE(peer->publish("from-peer", "p").is_ok());
    publish("from-peer", "duplicate");  // dedupe spans handles
    QueueMessage m = claim();
    EXPECT_EQ(m.id, "from-peer");
    EXPECT_EQ(m.body, "p");
    auto none = peer->claim(kLease);
    ASSERT_TRUE(none.is_ok());
    EXPECT_FALSE(none->has_value()) << "leased through the other handle";
    EXPECT_TRUE(peer->ack(m).is_ok()) << "a lease is good through any handle";
    EXPECT_EQ(stats(), (QueueStats{0, 0, 0}));
}

TEST_P(EventQueueContractTest, ConcurrentConsumersOnTwoHandlesClaimEachMessageOnce) {
    constexpr int kMessages = 300;
    constexpr int kThreadsPerHandle = 3;
    std::unique_ptr<EventQueue> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    std::vector<EventQueue*> handles = {&queue(), peer.get()};

    std::mutex mu;
    std::map<std::string, int> claims;  // GUARDED_BY(mu)
    std::atomic<int> acked{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    // One publisher per handle, so claims race with inserts too.
    for (size_t h = 0; h < handles.size(); ++h) {
        threads.emplace_back([&, h] {
            for (size_t i = h; i < kMessages; i += handles.size()) {
                if (!handles[h]->publish("m" + std::to_string(i), "body").is_ok()) ++errors;
            }
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    for (EventQueue* q : handles) {
        for (int t = 0; t < kThreadsPerHandle; ++t) {
            threads.emplace_back([&, q] {
                while (acked.load() < kMessages && errors.load() == 0 &&
                       std::chrono::steady_clock::now() < deadline) {
                    const uint64_t seen = q->work_generation();
                    auto m = q->claim(1h);  // the fake clock stands still: no lease runs out
                    if (!m.is_ok()) {
                        ADD_FAILURE() << m.status().to_string();
                        ++errors;
                        return;
                    }
                    if (!m->has_value()) {
                        q->wait_for_work(seen, 5ms);
                        continue;
                    }
                    {
                        std::lock_guard lock(mu);
                        ++claims[(*m)->id];
                    }
                    Status s = q->ack(**m);
                    if (!s.is_ok()) {
                        ADD_FAILURE() << s.to_string();
                        ++errors;
                        return;
                    }
                    ++acked;
                }
            });
        }
    }
    for (auto& t : threads) t.join();

    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(acked.load(), kMessages);
    EXPECT_EQ(claims.size(), static_cast<size_t>(kMessages));
    for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id << " was leased " << n << " times";
    EXPECT_EQ(stats(), (QueueStats{0, 0, 0}));
}

}  // namespace imgpipe::queue
