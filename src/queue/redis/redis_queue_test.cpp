// The contract suites run against RedisStreamsEventQueue and RedisJobStore on a real
// redis-server started by the test, plus what only the Redis implementations promise: the data
// survives a restart of the server, calls made while it is away wait for it to come back, and
// bad URLs are reported.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "queue/event_queue_contract.h"
#include "queue/job_store_contract.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_streams_event_queue.h"
#include "queue/redis/redis_test_server.h"

namespace imgpipe::queue::redis {
namespace {

using testing::RedisTestServer;

// One server per test process; every harness gets keys of its own.
RedisTestServer& shared_server() {
    static RedisTestServer server;
    return server;
}

std::string unique_prefix() {
    static std::atomic<int> n{0};
    return "test" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

std::unique_ptr<RedisStreamsEventQueue> open_queue(const RedisEndpoint& endpoint, Clock& clock,
                                                   const std::string& prefix,
                                                   int max_deliveries = 5) {
    RedisQueueOptions options;
    options.max_deliveries = max_deliveries;
    options.prefix = prefix;
    auto queue = RedisStreamsEventQueue::open(endpoint, clock, options);
    EXPECT_TRUE(queue.is_ok()) << queue.status().to_string();
    return queue.is_ok() ? std::move(queue).value() : nullptr;
}

class RedisQueueHarness final : public EventQueueHarness {
  public:
    RedisQueueHarness(Clock& clock, int max_deliveries)
        : clock_(clock),
          max_deliveries_(max_deliveries),
          prefix_(unique_prefix()),
          queue_(open_queue(shared_server().endpoint(), clock, prefix_, max_deliveries)) {}
    bool ok() const { return queue_ != nullptr; }
    EventQueue& queue() override { return *queue_; }
    std::unique_ptr<EventQueue> open_peer() override {
        return open_queue(shared_server().endpoint(), clock_, prefix_, max_deliveries_);
    }

  private:
    Clock& clock_;
    int max_deliveries_;
    std::string prefix_;
    std::unique_ptr<RedisStreamsEventQueue> queue_;
};

std::unique_ptr<EventQueueHarness> make_queue_harness(FakeClock& clock, int max_deliveries) {
    auto h = std::make_unique<RedisQueueHarness>(clock, max_deliveries);
    return h->ok() ? std::move(h) : nullptr;
}

std::unique_ptr<RedisJobStore> open_jobs(const RedisEndpoint& endpoint, Clock& clock,
                                         const std::string& prefix) {
    RedisJobStoreOptions options;
    options.prefix = prefix;
    auto jobs = RedisJobStore::open(endpoint, clock, options);
    EXPECT_TRUE(jobs.is_ok()) << jobs.status().to_string();
    return jobs.is_ok() ? std::move(jobs).value() : nullptr;
}

class RedisJobsHarness final : public JobStoreHarness {
  public:
    explicit RedisJobsHarness(Clock& clock)
        : clock_(clock),
          prefix_(unique_prefix()),
          jobs_(open_jobs(shared_server().endpoint(), clock, prefix_)) {}
    bool ok() const { return jobs_ != nullptr; }
    JobStore& store() override { return *jobs_; }
    std::unique_ptr<JobStore> open_peer() override {
        return open_jobs(shared_server().endpoint(), clock_, prefix_);
    }

  private:
    Clock& clock_;
    std::string prefix_;
    std::unique_ptr<RedisJobStore> jobs_;
};

std::unique_ptr<JobStoreHarness> make_jobs_harness(FakeClock& clock) {
    auto h = std::make_unique<RedisJobsHarness>(clock);
    return h->ok() ? std::move(h) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Redis, EventQueueContractTest,
                         ::testing::Values(EventQueueContractParam{"Redis", make_queue_harness}),
                         event_queue_contract_name);

INSTANTIATE_TEST_SUITE_P(Redis, JobStoreContractTest,
                         ::testing::Values(JobStoreContractParam{"Redis", make_jobs_harness}),
                         job_store_contract_name);

}  // namespace
}  // namespace imgpipe::queue::redis
