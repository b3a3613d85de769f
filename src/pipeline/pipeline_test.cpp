// The pipeline end to end inside one process, on the real parts — LocalObjectStore (the workers
// write through a FaultInjectingStore), SqliteEventQueue, SqliteJobStore, VipsImageProcessor — with
// a FakeClock so retries and backoff run without sleeping: an object put into the source bucket is
// relayed from the store's outbox, claimed, resized and recorded. Output sizes are read from the
// encoded files' own headers (JPEG SOF, PNG IHDR), not from what the pipeline reports.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "imaging/vips/vips_image_processor.h"
#include "pipeline/event_ingress.h"
#include "pipeline/image_id.h"
#include "pipeline/job_runner.h"
#include "pipeline/outbox_relay.h"
#include "pipeline/worker_pool.h"
#include "queue/sqlite/sqlite_event_queue.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "store/fault_injecting_store.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"
#include "temp_dir.h"
#include "testdata.h"

namespace imgpipe::pipeline {
namespace {

using queue::JobState;
using std::chrono::milliseconds;

constexpr const char* kPhoto = "sharp-fixtures/2569067123_aca715a2ee_o.jpg";  // 2725x2225

struct Size {
    int width = 0;
    int height = 0;
    friend bool operator==(const Size&, const Size&) = default;
};

// The frame size from a JPEG's first SOFn marker (ITU T.81 B.2.2).
Size jpeg_size(const std::string& b) {
    size_t i = 2;
    while (i + 9 < b.size()) {
        if (static_cast<uint8_t>(b[i]) != 0xFF) return {};
        auto marker = static_cast<uint8_t>(b[i + 1]);
        size_t length = (static_cast<uint8_t>(b[i + 2]) << 8) | static_cast<uint8_t>(b[i + 3]);
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
            marker != 0xCC) {
            int h = (static_cast<uint8_t>(b[i + 5]) << 8) | static_cast<uint8_t>(b[i + 6]);
            int w = (static_cast<uint8_t>(b[i + 7]) << 8) | static_cast<uint8_t>(b[i + 8]);
            return {w, h};
        }
        i += 2 + length;
    }
    return {};
}

// The size in a PNG's IHDR (PNG spec 11.2.2).
Size png_size(const std::string& b) {
    if (b.size() < 24 || b.compare(12, 4, "IHDR") != 0) return {};
    auto be32 = [&](size_t at) {
        return (static_cast<uint8_t>(b[at]) << 24) | (static_cast<uint8_t>(b[at + 1]) << 16) |
               (static_cast<uint8_t>(b[at + 2]) << 8) | static_cast<uint8_t>(b[at + 3]);
    };
    return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

class PipelineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::testing::open_store(dir_.path() + "/data");
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
        ASSERT_TRUE(store_->create_bucket("resized").is_ok());
        faulty_store_ = std::make_unique<store::FaultInjectingStore>(*store_);
        const std::string db = dir_.path() + "/pipeline.db";
        auto q = queue::SqliteEventQueue::open(db, clock_, {.max_deliveries = kMaxAttempts + 1});
        ASSERT_TRUE(q.is_ok()) << q.status().to_string();
        queue_ = std::move(*q);
        auto j = queue::SqliteJobStore::open(db, clock_);
        ASSERT_TRUE(j.is_ok()) << j.status().to_string();
        jobs_ = std::move(*j);
        auto p = imaging::VipsImageProcessor::create({.vips_concurrency = 1, .variant_threads = 2},
                                                     clock_);
        ASSERT_TRUE(p.is_ok()) << p.status().to_string();
        processor_ = std::move(*p);

        ingress_ = std::make_unique<EventIngress>(*queue_, *jobs_, ids_, "uploads");
        relay_ = std::make_unique<OutboxRelay>(*store_, *queue_, *ingress_, "us-east-1");
        JobOptions options;
        options.max_attempts = kMaxAttempts;
        options.initial_backoff = milliseconds(100);
        options.max_backoff = milliseconds(400);
        runner_ = std::make_unique<JobRunner>(
            RunnerPorts{*faulty_store_, *processor_, *jobs_, *queue_, ids_, nullptr, clock_},
            options);
        // Never started: the tests turn the crank themselves with work_once().
        pool_ = std::make_unique<WorkerPool>(*queue_, *runner_, clock_,
                                             WorkerOptions{1, milliseconds(60'000)});
    }

    store::ObjectInfo put(const std::string& key, const std::string& bytes,
                          std::map<std::string, std::string> metadata = {}) {
        store::PutRequest request{"uploads", key};
        request.created_by = store::CreatedBy::kPost;
        request.attributes.content_type = "image/jpeg";
        request.attributes.metadata = std::move(metadata);
        StringByteSource body(bytes);
        auto info = store_->put_object(request, body);
        EXPECT_TRUE(info.is_ok()) << info.status().to_string();
        return info.is_ok() ? *info : store::ObjectInfo{};
    }

    int relay() {
        auto moved = relay_->relay_once(/*sync=*/true);
        EXPECT_TRUE(moved.is_ok()) << moved.status().to_string();
        return moved.is_ok() ? *moved : -1;
    }

    bool work() {
        auto worked = pool_->work_once();
        EXPECT_TRUE(worked.is_ok()) << worked.status().to_string();
        return worked.is_ok() && *worked;
    }

    queue::Job job(const std::string& key) {
        auto j = jobs_->get(ids_.id_for("uploads", key));
        EXPECT_TRUE(j.is_ok()) << j.status().to_string();
        return j.is_ok() ? *j : queue::Job{};
    }

    queue::QueueStats queue_stats() {
        auto s = queue_->stats();
        EXPECT_TRUE(s.is_ok());
        return s.is_ok() ? *s : queue::QueueStats{};
    }

    std::string read(const std::string& bucket, const std::string& key) {
        return store::testing::read_object(*store_, bucket, key);
    }

    static constexpr int kMaxAttempts = 3;
    const ImageIds ids_{"uploads/", "test secret"};
    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<store::LocalObjectStore> store_;
    std::unique_ptr<store::FaultInjectingStore> faulty_store_;  // what the runner writes through
    std::unique_ptr<queue::SqliteEventQueue> queue_;
    std::unique_ptr<queue::SqliteJobStore> jobs_;
    std::unique_ptr<imaging::ImageProcessor> processor_;
    std::unique_ptr<EventIngress> ingress_;
    std::unique_ptr<OutboxRelay> relay_;
    std::unique_ptr<JobRunner> runner_;
    std::unique_ptr<WorkerPool> pool_;
};

TEST_F(PipelineTest, UploadBecomesTheSeedsThreeVariants) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_-/red flower+1.jpg";
    put(key, read_testdata(kPhoto));
    EXPECT_EQ(relay(), 1);
    EXPECT_EQ(job(key).state, JobState::kPending);
    EXPECT_EQ(ids_.id_for("uploads", key), "AbCdEfGhIjKlMnOpQrSt_-");

    EXPECT_TRUE(work());
    queue::Job done = job(key);
    ASSERT_EQ(done.state, JobState::kDone) << done.error_code;
    EXPECT_EQ(done.attempts, 1);
    EXPECT_EQ(done.original.width, 2725);
    EXPECT_EQ(done.original.height, 2225);
    EXPECT_EQ(done.original.format, "jpeg");
    ASSERT_EQ(done.variants.size(), 3u);
    for (int side : {400, 200, 100}) {
        const std::string name = std::to_string(side) + "x" + std::to_string(side);
        const std::string out_key = "resized-" + name + "/" + key;
        std::string bytes = read("resized", out_key);
        EXPECT_EQ(jpeg_size(bytes), (Size{side, side})) << out_key;
        auto head = store_->head_object("resized", out_key);
        ASSERT_TRUE(head.is_ok());
        EXPECT_EQ(head->attributes.content_type, "image/jpeg");
        EXPECT_EQ(head->attributes.headers.at("cache-control"), "public, max-age=86400");
    }
    EXPECT_EQ(queue_stats().ready + queue_stats().leased + queue_stats().dead, 0);

    // The variants' own events are relayed away without becoming jobs.
    EXPECT_EQ(relay(), 3);
    auto all = jobs_->list(std::nullopt, 10);
    ASSERT_TRUE(all.is_ok());
    EXPECT_EQ(all->size(), 1u);
    EXPECT_FALSE(work());
}

// The threads' loop acks each finished job with its next claim, and the last one as it stops.
TEST_F(PipelineTest, ARunningPoolSettlesEveryJobItFinishes) {
    const std::vector<std::string> keys = {"uploads/AbCdEfGhIjKlMnOpQrSt_-/a.jpg",
                                           "uploads/BbCdEfGhIjKlMnOpQrSt_-/b.jpg",
                                           "uploads/CbCdEfGhIjKlMnOpQrSt_-/c.jpg"};
    for (const auto& key : keys) put(key, read_testdata(kPhoto));
    EXPECT_EQ(relay(), 3);
    WorkerPool pool(*queue_, *runner_, clock_, WorkerOptions{2, milliseconds(60'000)});
    pool.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    auto all_done = [&] {
        for (const auto& key : keys) {
            if (job(key).state != JobState::kDone) return false;
        }
        return true;
    };
    while (!all_done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(5));
    }
    pool.stop();
    for (const auto& key : keys) EXPECT_EQ(job(key).state, JobState::kDone) << key;
    const queue::QueueStats left = queue_stats();
    EXPECT_EQ(left.ready + left.leased + left.dead, 0) << "every message acked";
}

TEST_F(PipelineTest, VariantsFromTheObjectsMetadata) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_1/cat.jpg";
    put(key, read_testdata(kPhoto),
        {{"variants", R"([{"width":64,"height":48,"fit":"inside"},)"
                      R"({"width":30,"height":20,"fit":"fill","format":"png","name":"tiny"}])"}});
    relay();
    EXPECT_TRUE(work());
    queue::Job done = job(key);
    ASSERT_EQ(done.state, JobState::kDone) << done.error_code;
    ASSERT_EQ(done.variants.size(), 2u);
    // inside 64x48 of 2725x2225: the height binds, 48 * 2725 / 2225 = 58.8 → 59.
    EXPECT_EQ(jpeg_size(read("resized", "resized-64x48/" + key)), (Size{59, 48}));
    EXPECT_EQ(png_size(read("resized", "resized-tiny/" + key)), (Size{30, 20}));
    auto png = store_->head_object("resized", "resized-tiny/" + key);
    ASSERT_TRUE(png.is_ok());
    EXPECT_EQ(png->attributes.content_type, "image/png");
}

TEST_F(PipelineTest, NotAnImageFailsAtOnceWithItsReason) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_2/notes.jpg";
    put(key, "these are not the pixels you are looking for");
    relay();
    EXPECT_TRUE(work());
    queue::Job failed = job(key);
    EXPECT_EQ(failed.state, JobState::kFailed);
    EXPECT_EQ(failed.error_code, "UnsupportedFormat");
    EXPECT_FALSE(failed.error_message.empty());
    EXPECT_EQ(failed.attempts, 1);
    EXPECT_EQ(queue_stats().ready + queue_stats().leased + queue_stats().dead, 0);
    EXPECT_EQ(read("resized", "resized-400x400/" + key), "error:NoSuchKey");
}

TEST_F(PipelineTest, TruncatedJpegFailsAsCorrupt) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_3/header.jpg";
    put(key, read_testdata("sharp-fixtures/corrupt-header.jpg"));
    relay();
    EXPECT_TRUE(work());
    EXPECT_EQ(job(key).state, JobState::kFailed);
    EXPECT_EQ(job(key).error_code, "CorruptImage");
}

TEST_F(PipelineTest, FailedStoreWriteIsRetriedAfterBackoffAndSucceeds) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_4/cat.jpg";
    put(key, read_testdata(kPhoto));
    relay();
    faulty_store_->fail_next_puts(1);  // one variant's
    EXPECT_TRUE(work());
    EXPECT_EQ(faulty_store_->injected_failures(), 1);
    queue::Job waiting = job(key);
    EXPECT_EQ(waiting.state, JobState::kPending);
    EXPECT_EQ(waiting.error_code, "IoError");
    int stored = 0;  // the variants are stored side by side: the others may have made it
    for (const char* name : {"400x400", "200x200", "100x100"}) {
        stored +=
            read("resized", std::string("resized-") + name + "/" + key).rfind("error:", 0) != 0;
    }
    EXPECT_LT(stored, 3) << "the failed variant is not there";

    EXPECT_FALSE(work()) << "the retry must wait for its backoff";
    clock_.advance(milliseconds(400));  // the longest first backoff (100 ms) and then some
    EXPECT_TRUE(work());
    queue::Job done = job(key);
    EXPECT_EQ(done.state, JobState::kDone);
    EXPECT_EQ(done.attempts, 2);
    EXPECT_TRUE(done.error_code.empty());
    EXPECT_EQ(jpeg_size(read("resized", "resized-400x400/" + key)), (Size{400, 400}));
}

TEST_F(PipelineTest, TransientFaultsOnEveryAttemptEndInTheDeadLetters) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_5/cat.jpg";
    put(key, read_testdata(kPhoto));
    relay();
    faulty_store_->fail_all_puts(true);
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
        EXPECT_TRUE(work()) << attempt;
        clock_.advance(milliseconds(1000));
    }
    queue::Job failed = job(key);
    EXPECT_EQ(failed.state, JobState::kFailed);
    EXPECT_EQ(failed.error_code, "RetriesExhausted");
    EXPECT_EQ(failed.attempts, kMaxAttempts);
    auto dead = queue_->dead_letters(10);
    ASSERT_TRUE(dead.is_ok());
    ASSERT_EQ(dead->size(), 1u);
    EXPECT_EQ(dead->front().deliveries, kMaxAttempts);
    EXPECT_FALSE(work());
}

TEST_F(PipelineTest, AnOverwriteSupersedesTheEarlierCreation) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_6/cat.jpg";
    put(key, "first, not an image");
    put(key, read_testdata(kPhoto));
    EXPECT_EQ(relay(), 2);
    EXPECT_TRUE(work());  // the first creation's message: superseded, skipped
    EXPECT_EQ(job(key).state, JobState::kPending);
    EXPECT_TRUE(work());
    queue::Job done = job(key);
    EXPECT_EQ(done.state, JobState::kDone) << done.error_code;
    EXPECT_EQ(done.attempts, 1);
    EXPECT_FALSE(work());
}

TEST_F(PipelineTest, OriginalDeletedBeforeItsJobRunsFailsAsSourceMissing) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_7/cat.jpg";
    put(key, read_testdata(kPhoto));
    relay();
    ASSERT_TRUE(store_->delete_object("uploads", key).is_ok());
    EXPECT_TRUE(work());
    EXPECT_EQ(job(key).state, JobState::kFailed);
    EXPECT_EQ(job(key).error_code, "SourceMissing");
}

TEST_F(PipelineTest, EventsStayInTheOutboxUntilTheQueueHasSyncedThem) {
    OutboxRelay lazy(*store_, *queue_, *ingress_, "us-east-1", std::chrono::hours(1));
    put("uploads/AbCdEfGhIjKlMnOpQrSt_9/cat.jpg", "bytes");
    auto moved = lazy.relay_once();
    ASSERT_TRUE(moved.is_ok());
    EXPECT_EQ(*moved, 1);
    EXPECT_EQ(queue_stats().ready, 1);
    auto kept = store_->read_events(0, 10);
    ASSERT_TRUE(kept.is_ok());
    EXPECT_EQ(kept->size(), 1u) << "handed on, not yet synced: still in the outbox";
    EXPECT_EQ(*lazy.relay_once(), 0) << "not handed on twice by one relay";
    ASSERT_TRUE(lazy.relay_once(/*sync=*/true).is_ok());
    kept = store_->read_events(0, 10);
    ASSERT_TRUE(kept.is_ok());
    EXPECT_TRUE(kept->empty());
}

TEST_F(PipelineTest, EventsLeftInTheOutboxAreRelayedByTheNextStore) {
    const std::string key = "uploads/AbCdEfGhIjKlMnOpQrSt_8/cat.jpg";
    put(key, read_testdata(kPhoto));
    // A crash before the relay ran: the next process's store still has the event.
    relay_.reset();
    store_.reset();
    store_ = store::testing::open_store(dir_.path() + "/data");
    ASSERT_NE(store_, nullptr);
    relay_ = std::make_unique<OutboxRelay>(*store_, *queue_, *ingress_, "us-east-1");
    EXPECT_EQ(relay(), 1);
    EXPECT_EQ(job(key).state, JobState::kPending);
}

}  // namespace
}  // namespace imgpipe::pipeline
