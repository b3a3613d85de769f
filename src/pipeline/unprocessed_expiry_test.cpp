// UnprocessedExpiry on the real parts — LocalObjectStore, SqliteEventQueue, SqliteJobStore, the
// outbox relay and a worker — all on one FakeClock, so an upload ages by hand: an object whose
// job never started is deleted with its job once both are older than the age, and nothing else
// is (a started, finished or failed job's object, a young object, the destination bucket).

#include "pipeline/unprocessed_expiry.h"

#include <gtest/gtest.h>

#include "imaging/vips/vips_image_processor.h"
#include "pipeline/event_ingress.h"
#include "pipeline/job_runner.h"
#include "pipeline/outbox_relay.h"
#include "pipeline/worker_pool.h"
#include "queue/sqlite/sqlite_event_queue.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "store/local/local_object_store.h"
#include "temp_dir.h"

namespace imgpipe::pipeline {
namespace {

using queue::JobState;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr auto kAge = hours(1);

class UnprocessedExpiryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto s = store::LocalObjectStore::open(dir_.path() + "/data", posix_file_system(), clock_);
        ASSERT_TRUE(s.is_ok()) << s.status().to_string();
        store_ = std::move(*s);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
        ASSERT_TRUE(store_->create_bucket("resized").is_ok());
        const std::string db = dir_.path() + "/pipeline.db";
        auto q = queue::SqliteEventQueue::open(db, clock_, {});
        ASSERT_TRUE(q.is_ok()) << q.status().to_string();
        queue_ = std::move(*q);
        auto j = queue::SqliteJobStore::open(db, clock_);
        ASSERT_TRUE(j.is_ok()) << j.status().to_string();
        jobs_ = std::move(*j);
        auto p = imaging::VipsImageProcessor::create({.vips_concurrency = 1}, clock_);
        ASSERT_TRUE(p.is_ok()) << p.status().to_string();
        processor_ = std::move(*p);
        ingress_ = std::make_unique<EventIngress>(*queue_, *jobs_, ids_, "uploads");
        relay_ = std::make_unique<OutboxRelay>(*store_, *queue_, *ingress_, "us-east-1");
        JobOptions options;
        options.max_attempts = 1;
        runner_ = std::make_unique<JobRunner>(
            RunnerPorts{*store_, *processor_, *jobs_, *queue_, ids_, nullptr, clock_}, options);
        pool_ = std::make_unique<WorkerPool>(*queue_, *runner_, clock_,
                                             WorkerOptions{1, milliseconds(60'000)});
        expiry_ = std::make_unique<UnprocessedExpiry>(
            *store_, *jobs_, ids_, clock_, ExpiryOptions{.bucket = "uploads", .age = kAge});
    }

    void put(const std::string& bucket, const std::string& key, const std::string& bytes) {
        store::PutRequest request{bucket, key};
        StringByteSource body(bytes);
        auto info = store_->put_object(request, body);
        ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    }

    void relay() {
        auto moved = relay_->relay_once(/*sync=*/true);
        ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
    }

    bool work() {
        auto worked = pool_->work_once();
        EXPECT_TRUE(worked.is_ok()) << worked.status().to_string();
        return worked.is_ok() && *worked;
    }

    ExpirySweep sweep() {
        auto s = expiry_->sweep_once();
        EXPECT_TRUE(s.is_ok()) << s.status().to_string();
        return s.is_ok() ? *s : ExpirySweep{};
    }

    bool exists(const std::string& bucket, const std::string& key) {
        auto head = store_->head_object(bucket, key);
        EXPECT_TRUE(head.is_ok() || head.status().code() == StatusCode::kNotFound)
            << head.status().to_string();
        return head.is_ok();
    }

    // The job of an object in the source bucket: its state, or nullopt when there is none.
    std::optional<JobState> job_state(const std::string& key) {
        auto job = jobs_->get(ids_.id_for("uploads", key));
        if (!job.is_ok()) {
            EXPECT_EQ(job.status().code(), StatusCode::kNotFound) << job.status().to_string();
            return std::nullopt;
        }
        return job->state;
    }

    const ImageIds ids_{"uploads/", "test secret"};
    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<store::LocalObjectStore> store_;
    std::unique_ptr<queue::SqliteEventQueue> queue_;
    std::unique_ptr<queue::SqliteJobStore> jobs_;
    std::unique_ptr<imaging::ImageProcessor> processor_;
    std::unique_ptr<EventIngress> ingress_;
    std::unique_ptr<OutboxRelay> relay_;
    std::unique_ptr<JobRunner> runner_;
    std::unique_ptr<WorkerPool> pool_;
    std::unique_ptr<UnprocessedExpiry> expiry_;
};

const std::string kWaiting = "uploads/AAAAAAAAAAAAAAAAAAAAAA/waiting.jpg";

TEST_F(UnprocessedExpiryTest, PendingJobNeverStartedExpiresWithItsObjectOnceOldEnough) {
    put("uploads", kWaiting, "not yet processed");
    relay();
    ASSERT_EQ(job_state(kWaiting), JobState::kPending);

    clock_.advance(kAge - minutes(1));
    EXPECT_EQ(sweep().expired, 0);
    EXPECT_TRUE(exists("uploads", kWaiting));
    EXPECT_EQ(job_state(kWaiting), JobState::kPending);

    clock_.advance(minutes(1));
    ExpirySweep s = sweep();
    EXPECT_EQ(s.listed, 1);
    EXPECT_EQ(s.expired, 1);
    EXPECT_FALSE(exists("uploads", kWaiting));
    EXPECT_EQ(job_state(kWaiting), std::nullopt);
    EXPECT_EQ(expiry_->expired(), 1u);

    // The event still queued finds no job: the worker drops it and makes nothing.
    EXPECT_TRUE(work());
    EXPECT_EQ(job_state(kWaiting), std::nullopt);
    auto made = store_->list_objects({.bucket = "resized"});
    ASSERT_TRUE(made.is_ok());
    EXPECT_TRUE(made->objects.empty());
    auto stats = queue_->stats();
    ASSERT_TRUE(stats.is_ok());
    EXPECT_EQ(stats->ready + stats->leased + stats->dead, 0);
}

TEST_F(UnprocessedExpiryTest, SizesRenderedOnRequestExpireWithTheUpload) {
    put("uploads", kWaiting, "not yet processed");
    relay();
    const std::string rendered = "resized-card/" + kWaiting;
    put("resized", rendered, "a preset rendered before any worker ran");
    queue::VariantResult card;
    card.name = "card";
    card.bucket = "resized";
    card.key = rendered;
    ASSERT_TRUE(jobs_->add_rendered(ids_.id_for("uploads", kWaiting), card).is_ok());

    clock_.advance(kAge);
    EXPECT_EQ(sweep().expired, 1);
    EXPECT_FALSE(exists("uploads", kWaiting));
    EXPECT_FALSE(exists("resized", rendered));
}

TEST_F(UnprocessedExpiryTest, ObjectWithNoJobAtAllExpires) {
    // Its event never reached the pipeline (no relay here): no job was ever made.
    put("uploads", "dropped-in-by-awscli.jpg", "bytes");
    clock_.advance(kAge);
    EXPECT_EQ(sweep().expired, 1);
    EXPECT_FALSE(exists("uploads", "dropped-in-by-awscli.jpg"));
}

TEST_F(UnprocessedExpiryTest, StartedFailedOrRetriedJobsKeepTheirObjects) {
    const std::string failed = "uploads/BBBBBBBBBBBBBBBBBBBBBB/corrupt.jpg";
    const std::string processing = "uploads/CCCCCCCCCCCCCCCCCCCCCC/running.jpg";
    put("uploads", failed, "not an image at all");
    put("uploads", processing, "still being made");
    relay();
    // A worker takes the first and fails it as corrupt: it started, so it stays.
    ASSERT_TRUE(work());
    ASSERT_EQ(job_state(failed), JobState::kFailed);
    // Another worker has taken the second (and is still at it).
    auto queued = jobs_->get(ids_.id_for("uploads", processing));
    ASSERT_TRUE(queued.is_ok()) << queued.status().to_string();
    auto started = jobs_->start(queued->id, queued->sequencer);
    ASSERT_TRUE(started.is_ok()) << started.status().to_string();
    ASSERT_TRUE(started->has_value());
    ASSERT_EQ(job_state(processing), JobState::kProcessing);

    clock_.advance(kAge * 3);
    EXPECT_EQ(sweep().expired, 0);
    EXPECT_TRUE(exists("uploads", failed));
    EXPECT_TRUE(exists("uploads", processing));

    // An operator's retry makes the failed job pending with no attempt again: it gets the whole
    // age from the retry, not from the upload.
    ASSERT_TRUE(jobs_->reset(ids_.id_for("uploads", failed)).is_ok());
    clock_.advance(kAge - minutes(1));
    EXPECT_EQ(sweep().expired, 0);
    EXPECT_TRUE(exists("uploads", failed));
    clock_.advance(minutes(1));
    EXPECT_EQ(sweep().expired, 1);
    EXPECT_FALSE(exists("uploads", failed));
    EXPECT_TRUE(exists("uploads", processing));
}

TEST_F(UnprocessedExpiryTest, YoungObjectsAndOtherBucketsAreLeftAlone) {
    put("resized", "resized-400x400/old-variant.jpg", "a variant");
    put("uploads", "uploads/DDDDDDDDDDDDDDDDDDDDDD/old.jpg", "old");
    relay();
    clock_.advance(kAge);
    put("uploads", "uploads/EEEEEEEEEEEEEEEEEEEEEE/new.jpg", "new");
    relay();
    EXPECT_EQ(sweep().expired, 1);
    EXPECT_FALSE(exists("uploads", "uploads/DDDDDDDDDDDDDDDDDDDDDD/old.jpg"));
    EXPECT_TRUE(exists("uploads", "uploads/EEEEEEEEEEEEEEEEEEEEEE/new.jpg"));
    EXPECT_TRUE(exists("resized", "resized-400x400/old-variant.jpg"));
}

TEST_F(UnprocessedExpiryTest, ReadsOnePageASweepAndWrapsAround) {
    expiry_ = std::make_unique<UnprocessedExpiry>(
        *store_, *jobs_, ids_, clock_, ExpiryOptions{.bucket = "uploads", .age = kAge, .batch = 2});
    for (const char* k : {"a", "b", "c", "d", "e"}) put("uploads", k, k);
    clock_.advance(kAge);
    // Pages of two keys: a b | c d | e (end) | then from the first key again.
    ExpirySweep s1 = sweep();
    EXPECT_EQ(s1.listed, 2);
    EXPECT_FALSE(s1.wrapped);
    EXPECT_FALSE(exists("uploads", "b"));
    EXPECT_TRUE(exists("uploads", "c"));
    ExpirySweep s2 = sweep();
    EXPECT_EQ(s2.expired, 2);
    EXPECT_FALSE(s2.wrapped);
    ExpirySweep s3 = sweep();
    EXPECT_EQ(s3.listed, 1);
    EXPECT_TRUE(s3.wrapped);
    EXPECT_EQ(expiry_->expired(), 5u);

    put("uploads", "f", "f");
    clock_.advance(kAge);
    ExpirySweep s4 = sweep();
    EXPECT_EQ(s4.listed, 1);
    EXPECT_EQ(s4.expired, 1);
}

TEST_F(UnprocessedExpiryTest, TheThreadSweepsUntilStopped) {
    put("uploads", "left-behind.jpg", "bytes");
    clock_.advance(kAge);
    expiry_ = std::make_unique<UnprocessedExpiry>(
        *store_, *jobs_, ids_, clock_,
        ExpiryOptions{.bucket = "uploads", .age = kAge, .interval = milliseconds(10)});
    expiry_->start();
    // Waits on the condition (the thread's sweep), bounded by ctest's timeout.
    while (expiry_->expired() == 0) std::this_thread::sleep_for(milliseconds(5));
    expiry_->stop();
    EXPECT_FALSE(exists("uploads", "left-behind.jpg"));
    expiry_->stop();  // idempotent
}

}  // namespace
}  // namespace imgpipe::pipeline
