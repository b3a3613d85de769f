#pragma once
// Test helpers for the SQLite queue and job store: a self-deleting temp dir, openers that fail
// the test on error, and the contract-suite harnesses. Test-only.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "queue/event_queue_contract_fixture.h"
#include "queue/job_store_contract_fixture.h"
#include "queue/sqlite/sqlite_event_queue.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "temp_dir.h"

namespace imgpipe::queue::testing {

using ::imgpipe::TempDir;

// The pipeline database in `dir`.
inline std::string db_in(const TempDir& dir) { return dir.path() + "/pipeline.db"; }

inline std::unique_ptr<SqliteEventQueue> open_queue(const std::string& db, Clock& clock,
                                                    int max_deliveries = 5) {
    auto queue = SqliteEventQueue::open(db, clock, QueueOptions{max_deliveries});
    EXPECT_TRUE(queue.is_ok()) << queue.status().to_string();
    return queue.is_ok() ? std::move(queue).value() : nullptr;
}

inline std::unique_ptr<SqliteJobStore> open_jobs(const std::string& db, Clock& clock) {
    auto jobs = SqliteJobStore::open(db, clock);
    EXPECT_TRUE(jobs.is_ok()) << jobs.status().to_string();
    return jobs.is_ok() ? std::move(jobs).value() : nullptr;
}

class SqliteQueueHarness final : public EventQueueHarness {
  public:
    SqliteQueueHarness(Clock& clock, int max_deliveries)
        : clock_(clock),
          max_deliveries_(max_deliveries),
          queue_(open_queue(db_in(dir_), clock, max_deliveries)) {}
    bool ok() const { return queue_ != nullptr; }
    EventQueue& queue() override { return *queue_; }
    std::unique_ptr<EventQueue> open_peer() override {
        return open_queue(db_in(dir_), clock_, max_deliveries_);
    }

  private:
    TempDir dir_;
    Clock& clock_;
    int max_deliveries_;
    std::unique_ptr<SqliteEventQueue> queue_;
};

class SqliteJobsHarness final : public JobStoreHarness {
  public:
    explicit SqliteJobsHarness(Clock& clock)
        : clock_(clock), jobs_(open_jobs(db_in(dir_), clock)) {}
    bool ok() const { return jobs_ != nullptr; }
    JobStore& store() override { return *jobs_; }
    std::unique_ptr<JobStore> open_peer() override { return open_jobs(db_in(dir_), clock_); }

  private:
    TempDir dir_;
    Clock& clock_;
    std::unique_ptr<SqliteJobStore> jobs_;
};

// Contract-suite factories: a harness, or null when the database could not be opened.
inline std::unique_ptr<EventQueueHarness> make_queue_harness(FakeClock& clock, int max_deliveries) {
    auto h = std::make_unique<SqliteQueueHarness>(clock, max_deliveries);
    return h->ok() ? std::move(h) : nullptr;
}

inline std::unique_ptr<JobStoreHarness> make_jobs_harness(FakeClock& clock) {
    auto h = std::make_unique<SqliteJobsHarness>(clock);
    return h->ok() ? std::move(h) : nullptr;
}

}  // namespace imgpipe::queue::testing
