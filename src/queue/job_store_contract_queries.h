#pragma once
// JobStore contract: list, counts, remove, versions, the change generation and
// wait_for_change, and two handles on one store. Part of the suite in job_store_contract.h.
// The waiting and concurrency tests use real threads and real time.

#include <atomic>
#include <thread>

#include "core/keyed_change_signal.h"
#include "queue/job_store_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(JobStoreContractTest, ListIsMostRecentlyUpdatedFirst) {
    add("a");
    clock_.advance(1s);
    add("b");
    clock_.advance(1s);
    add("c");
    clock_.advance(1s);
    ASSERT_TRUE(start("a"));
    EXPECT_EQ(list_ids(), (std::vector<std::string>{"a", "c", "b"}));
    EXPECT_EQ(list_ids(std::nullopt, 2), (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(list_ids(JobState::kPending), (std::vector<std::string>{"c", "b"}));
    EXPECT_EQ(list_ids(JobState::kProcessing), (std::vector<std::string>{"a"}));
    EXPECT_TRUE(list_ids(JobState::kDone).empty());
    EXPECT_TRUE(list_ids(std::nullopt, 0).empty());

    auto jobs = store().list(JobState::kProcessing, 10);
    ASSERT_TRUE(jobs.is_ok());
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ((*jobs)[0].attempts, 1);
    EXPECT_EQ((*jobs)[0].key, submission("a").key);
}

TEST_P(JobStoreContractTest, ListBreaksTiesById) {
    for (const char* id : {"y", "x", "z"}) add(id);  // all at the same time
    EXPECT_EQ(list_ids(), (std::vector<std::string>{"x", "y", "z"}));
}

TEST_P(JobStoreContractTest, CountsByState) {
    EXPECT_EQ(*store().counts(), (JobCounts{0, 0, 0, 0}));
    for (const char* id : {"p1", "p2", "r1", "d1", "d2", "d3", "f1"}) add(id);
    for (const char* id : {"r1", "d1", "d2", "d3", "f1"}) ASSERT_TRUE(start(id));
    for (const char* id : {"d1", "d2", "d3"}) ASSERT_TRUE(finish(id));
    ASSERT_TRUE(fail("f1"));
    auto counts = store().counts();
    ASSERT_TRUE(counts.is_ok()) << counts.status().to_string();
    EXPECT_EQ(*counts, (JobCounts{2, 1, 3, 1}));
}

TEST_P(JobStoreContractTest, RemoveForgetsTheJob) {
    add("gone");
    add("kept");
    ASSERT_TRUE(start("gone"));
    auto removed = store().remove("gone");
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    ASSERT_TRUE(removed->has_value());
    EXPECT_EQ((*removed)->id, "gone");
    EXPECT_EQ((*removed)->state, JobState::kProcessing);  // as it was when removed
    EXPECT_EQ(store().get("gone").status().reason(), kNoSuchJob);
    EXPECT_EQ(list_ids(), (std::vector<std::string>{"kept"}));
    EXPECT_EQ(*store().counts(), (JobCounts{1, 0, 0, 0}));
    auto twice = store().remove("gone");
    ASSERT_TRUE(twice.is_ok()) << "removing twice is fine";
    EXPECT_FALSE(twice->has_value());
    // A submission after removal starts a new job, even for an earlier creation.
    EXPECT_TRUE(submit(submission("gone", "01")));
    EXPECT_EQ(get("gone").state, JobState::kPending);
    EXPECT_EQ(get("gone").attempts, 0);
}

TEST_P(JobStoreContractTest, VersionGrowsByOneOnEveryChange) {
    add("img", "01");
    int64_t v = get("img").version;
    auto expect_step = [&](int64_t step, const char* what) {
        const int64_t now_version = get("img").version;
        EXPECT_EQ(now_version, v + step) << what;
        v = now_version;
    };
    ASSERT_TRUE(start("img", "01"));
    expect_step(1, "start");
    ASSERT_TRUE(retry_later("img", "01"));
    expect_step(1, "retry_later");
    ASSERT_TRUE(start("img", "01"));
    expect_step(1, "start again");
    EXPECT_FALSE(finish("img", "00"));
    expect_step(0, "refused finish");
    ASSERT_TRUE(fail("img", "01"));
    expect_step(1, "fail");
    ASSERT_TRUE(store().reset("img").is_ok());
    expect_step(1, "reset");
    EXPECT_TRUE(submit(submission("img", "01")));
    expect_step(0, "duplicate submit");
    EXPECT_TRUE(submit(submission("img", "02")));
    expect_step(1, "superseding submit");
    ASSERT_TRUE(start("img", "02"));
    ASSERT_TRUE(finish("img", "02"));
    expect_step(2, "start and finish");
}

TEST_P(JobStoreContractTest, ChangeGenerationMovesOnEveryChange) {
    uint64_t g = store().change_generation("img");
    auto expect_moved = [&](const char* what) {
        const uint64_t now_generation = store().change_generation("img");
        EXPECT_NE(now_generation, g) << what;
        g = now_generation;
    };
    add("img");
    expect_moved("submit");
    ASSERT_TRUE(start("img"));
    expect_moved("start");
    ASSERT_TRUE(retry_later("img"));
    expect_moved("retry_later");
    ASSERT_TRUE(start("img"));
    ASSERT_TRUE(fail("img"));
    expect_moved("fail");
    ASSERT_TRUE(store().reset("img").is_ok());
    expect_moved("reset");
    ASSERT_TRUE(start("img"));
    ASSERT_TRUE(finish("img"));
    expect_moved("finish");
    ASSERT_TRUE(store().remove("img").is_ok());
    expect_moved("remove");
}

TEST_P(JobStoreContractTest, WaitForChangeWakesWhenAnotherThreadChangesAJob) {
    add("img");
    const uint64_t seen = store().change_generation("img");
    constexpr auto kTimeout = 30s;  // generous: only a wait that missed the change runs into it
    const auto start_time = std::chrono::steady_clock::now();
    std::thread worker([&] {
        std::this_thread::sleep_for(100ms);
        auto job = store().start("img", "0A");
        EXPECT_TRUE(job.is_ok() && job->has_value());
    });
    uint64_t current = seen;
    // A wake-up is a hint (it may come early); the waiter re-reads after each one.
    while (current == seen && std::chrono::steady_clock::now() - start_time < kTimeout) {
        current = store().wait_for_change("img", seen, kTimeout);
    }
    worker.join();
    EXPECT_NE(current, seen) << "woken by the change, not the timeout";
    EXPECT_EQ(current, store().change_generation("img"));
    EXPECT_LT(std::chrono::steady_clock::now() - start_time, kTimeout / 2);
    EXPECT_EQ(get("img").state, JobState::kProcessing);
}

TEST_P(JobStoreContractTest, WaitForChangeTimesOutWithoutAChange) {
    add("img");
    const uint64_t seen = store().change_generation("img");
    const auto start_time = std::chrono::steady_clock::now();
    EXPECT_EQ(store().wait_for_change("img", seen, 150ms), seen);
    const auto waited = std::chrono::steady_clock::now() - start_time;
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, 10s);
    // An out-of-date `seen` returns at once.
    EXPECT_EQ(store().wait_for_change("img", seen + 12345, 10s), seen);
}

// A status stream sleeps through the other jobs' changes (jobs whose generations share a slot
// may wake each other; these two do not).
TEST_P(JobStoreContractTest, AnotherJobsChangesLeaveTheGenerationAlone) {
    ASSERT_NE(KeyedChangeSignal::slot_of("img"), KeyedChangeSignal::slot_of("other"));
    add("img");
    const uint64_t seen = store().change_generation("img");
    const uint64_t other = store().change_generation("other");
    add("other");
    ASSERT_TRUE(start("other"));
    ASSERT_TRUE(finish("other"));
    EXPECT_NE(store().change_generation("other"), other);
    EXPECT_EQ(store().change_generation("img"), seen);
}

TEST_P(JobStoreContractTest, PeersShareOneStore) {
    std::unique_ptr<JobStore> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    add("img");
    auto started = peer->start("img", "0A");
    ASSERT_TRUE(started.is_ok() && started->has_value());
    EXPECT_EQ(get("img").state, JobState::kProcessing);
    auto refused = peer->submit(submission("img", "09"));
    ASSERT_TRUE(refused.is_ok());
    EXPECT_FALSE(*refused);
}

TEST_P(JobStoreContractTest, ConcurrentStartsFromTwoHandlesCountEveryAttempt) {
    constexpr int kThreadsPerHandle = 3;
    constexpr int kStartsPerThread = 20;
    std::unique_ptr<JobStore> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    add("img");
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (JobStore* s : {&store(), peer.get()}) {
        for (int t = 0; t < kThreadsPerHandle; ++t) {
            threads.emplace_back([&, s] {
                for (int i = 0; i < kStartsPerThread; ++i) {
                    auto job = s->start("img", "0A");
                    if (!job.is_ok()) {
                        ADD_FAILURE() << job.status().to_string();
                        return;
                    }
                    if (job->has_value()) ++started;
                }
            });
        }
    }
    for (auto& t : threads) t.join();
    constexpr int kAll = 2 * kThreadsPerHandle * kStartsPerThread;
    EXPECT_EQ(started.load(), kAll);
    Job job = get("img");
    EXPECT_EQ(job.attempts, kAll) << "no start was lost to a race";
}

}  // namespace imgpipe::queue
