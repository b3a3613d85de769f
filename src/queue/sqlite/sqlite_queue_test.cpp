// The contract suites run against SqliteEventQueue and SqliteJobStore, plus what only the SQLite
// implementations promise: the data survives a restart, the tables share a file with others,
// and bad options or paths are reported.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "queue/event_queue_contract.h"
#include "queue/job_store_contract.h"
#include "queue/sqlite/job_row.h"
#include "queue/sqlite/sqlite_queue_test_util.h"

namespace imgpipe::queue {
namespace {

using testing::db_in;
using testing::make_jobs_harness;
using testing::make_queue_harness;
using testing::open_jobs;
using testing::open_queue;
using testing::TempDir;

INSTANTIATE_TEST_SUITE_P(Sqlite, EventQueueContractTest,
                         ::testing::Values(EventQueueContractParam{"Sqlite", make_queue_harness}),
                         event_queue_contract_name);

INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreContractTest,
                         ::testing::Values(JobStoreContractParam{"Sqlite", make_jobs_harness}),
                         job_store_contract_name);

// Runs `sql` on a connection of its own, as another program sharing the file would.
void exec_raw(const std::string& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 5000);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(raw);
}

class SqliteQueueTest : public ::testing::Test {
  protected:
    TempDir dir_;
    FakeClock clock_;
};

TEST_F(SqliteQueueTest, MessagesSurviveARestart) {
    QueueMessage leased;
    {
        auto queue = open_queue(db_in(dir_), clock_, 2);
        ASSERT_NE(queue, nullptr);
        for (const char* id : {"dead", "leased", "delayed", "ready"}) {
            ASSERT_TRUE(queue->publish(id, std::string("body-") + id).is_ok());
        }
        for (int i = 0; i < 2; ++i) {
            auto m = queue->claim(std::chrono::seconds(30));
            ASSERT_TRUE(m.is_ok() && m->has_value());
            ASSERT_EQ((*m)->id, "dead");
            ASSERT_TRUE(queue->release(**m, std::chrono::milliseconds(0), "poison").is_ok());
        }
        auto m = queue->claim(std::chrono::seconds(30));
        ASSERT_TRUE(m.is_ok() && m->has_value());
        leased = **m;
        auto d = queue->claim(std::chrono::seconds(30));
        ASSERT_TRUE(d.is_ok() && d->has_value());
        ASSERT_TRUE(queue->release(**d, std::chrono::seconds(10), "later").is_ok());
    }
    auto queue = open_queue(db_in(dir_), clock_, 2);
    ASSERT_NE(queue, nullptr);
    auto stats = queue->stats();
    ASSERT_TRUE(stats.is_ok());
    EXPECT_EQ(*stats, (QueueStats{2, 1, 1}));
    auto letters = queue->dead_letters(10);
    ASSERT_TRUE(letters.is_ok());
    ASSERT_EQ(letters->size(), 1u);
    EXPECT_EQ((*letters)[0].reason, "poison");
    EXPECT_TRUE(queue->ack(leased).is_ok()) << "a lease taken before the restart still holds";
    auto next = queue->claim(std::chrono::seconds(30));
    ASSERT_TRUE(next.is_ok() && next->has_value());
    EXPECT_EQ((*next)->id, "ready");
    EXPECT_EQ((*next)->body, "body-ready");
    clock_.advance(std::chrono::seconds(10));
    auto delayed = queue->claim(std::chrono::seconds(30));
    ASSERT_TRUE(delayed.is_ok() && delayed->has_value());
    EXPECT_EQ((*delayed)->id, "delayed");
    EXPECT_EQ((*delayed)->deliveries, 2);
}

TEST_F(SqliteQueueTest, JobsSurviveARestart) {
    std::vector<VariantResult> variants = {{"400x400", "resized", "resized-400x400/caf\u00e9.jpg",
                                            400, 300, 1234, "jpeg", "image/jpeg"}};
    Job before;
    {
        auto jobs = open_jobs(db_in(dir_), clock_);
        ASSERT_NE(jobs, nullptr);
        JobSubmission s{"img", "uploads", "caf\u00e9.jpg", "etag", 99, "0A", R"({"Records":[]})"};
        ASSERT_TRUE(jobs->submit(s).is_ok());
        ASSERT_TRUE(jobs->start("img", "0A").is_ok());
        ASSERT_TRUE(jobs->finish("img", "0A", {99, 800, 600, "jpeg"}, variants).is_ok());
        before = *jobs->get("img");
    }
    auto jobs = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(jobs, nullptr);
    auto after = jobs->get("img");
    ASSERT_TRUE(after.is_ok()) << after.status().to_string();
    EXPECT_EQ(after->state, JobState::kDone);
    EXPECT_EQ(after->key, before.key);
    EXPECT_EQ(after->variants, variants);
    EXPECT_EQ(after->original, (OriginalInfo{99, 800, 600, "jpeg"}));
    EXPECT_EQ(after->version, before.version);
    EXPECT_EQ(after->created, before.created);
    EXPECT_EQ(after->updated, before.updated);
}

TEST_F(SqliteQueueTest, SharesTheFileWithOtherTables) {
    exec_raw(db_in(dir_),
             "CREATE TABLE webhooks (id INTEGER PRIMARY KEY, body TEXT);"
             "INSERT INTO webhooks (body) VALUES ('kept');");
    auto queue = open_queue(db_in(dir_), clock_);
    auto jobs = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(queue, nullptr);
    ASSERT_NE(jobs, nullptr);
    ASSERT_TRUE(queue->publish("m", "b").is_ok());
    ASSERT_TRUE(jobs->submit({"img", "uploads", "k", "e", 1, "01", "{}"}).is_ok());
    // Opening again finds its tables there and leaves the others alone.
    auto queue2 = open_queue(db_in(dir_), clock_);
    auto jobs2 = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(queue2, nullptr);
    ASSERT_NE(jobs2, nullptr);
    EXPECT_EQ(queue2->stats()->ready, 1);
    EXPECT_EQ(jobs2->counts()->pending, 1);
    exec_raw(db_in(dir_), "DELETE FROM webhooks WHERE body = 'kept'");
}

TEST_F(SqliteQueueTest, OpensATableMadeBeforeRenderedVariantsWereKept) {
    // The jobs table as the version before placeholders and rendered variants made it.
    exec_raw(db_in(dir_),
             "CREATE TABLE jobs (id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, "
             "etag TEXT NOT NULL, size INTEGER NOT NULL, sequencer TEXT NOT NULL, event TEXT NOT "
             "NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'done', "
             "'failed')), attempts INTEGER NOT NULL, error_code TEXT NOT NULL, error_message TEXT "
             "NOT NULL, original_bytes INTEGER NOT NULL, original_width INTEGER NOT NULL, "
             "original_height INTEGER NOT NULL, original_format TEXT NOT NULL, variants TEXT NOT "
             "NULL, created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL, version INTEGER NOT "
             "NULL);"
             "INSERT INTO jobs VALUES ('img', 'uploads', 'k', 'e', 1, '01', '{}', 'done', 1, '', "
             "'', 1, 2, 3, 'jpeg', '[]', 5, 6, 4);");
    auto jobs = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(jobs, nullptr);
    auto old = jobs->get("img");
    ASSERT_TRUE(old.is_ok()) << old.status().to_string();
    EXPECT_EQ(old->state, JobState::kDone);
    EXPECT_TRUE(old->rendered.empty());
    VariantResult v{"card", "resized", "resized-card/k", 640, 360, 9, "jpeg", "image/jpeg", "m"};
    ASSERT_TRUE(jobs->add_rendered("img", v).is_ok());
    // Opened again (the columns are there now): the entry reads back.
    auto again = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->get("img")->rendered, std::vector<VariantResult>{v});
    EXPECT_EQ(again->get("img")->version, 5);
}

TEST_F(SqliteQueueTest, ConnectionsOpeningANewFileTogetherAllSucceed) {
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::atomic<int> opened{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            auto queue = SqliteEventQueue::open(db_in(dir_), clock_, QueueOptions{});
            auto jobs = SqliteJobStore::open(db_in(dir_), clock_);
            EXPECT_TRUE(queue.is_ok()) << queue.status().to_string();
            EXPECT_TRUE(jobs.is_ok()) << jobs.status().to_string();
            if (queue.is_ok() && jobs.is_ok()) ++opened;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(opened.load(), 4);
}

TEST_F(SqliteQueueTest, OpenRejectsBadOptionsAndPaths) {
    auto zero = SqliteEventQueue::open(db_in(dir_), clock_, QueueOptions{0});
    ASSERT_FALSE(zero.is_ok());
    EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);

    const std::string missing = dir_.path() + "/no/such/dir/pipeline.db";
    auto queue = SqliteEventQueue::open(missing, clock_, QueueOptions{});
    ASSERT_FALSE(queue.is_ok());
    EXPECT_EQ(queue.status().reason(), "IoError");
    auto jobs = SqliteJobStore::open(missing, clock_);
    ASSERT_FALSE(jobs.is_ok());
    EXPECT_EQ(jobs.status().reason(), "IoError");
}

TEST_F(SqliteQueueTest, EmptyIdsAreRejected) {
    auto queue = open_queue(db_in(dir_), clock_);
    auto jobs = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(queue, nullptr);
    ASSERT_NE(jobs, nullptr);
    EXPECT_EQ(queue->publish("", "b").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(jobs->submit({"", "b", "k", "e", 1, "01", "{}"}).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(jobs->submit({"id", "b", "k", "e", 1, "", "{}"}).status().code(),
              StatusCode::kInvalidArgument);
}

TEST_F(SqliteQueueTest, UnreadableVariantsAreDataLoss) {
    auto jobs = open_jobs(db_in(dir_), clock_);
    ASSERT_NE(jobs, nullptr);
    ASSERT_TRUE(jobs->submit({"img", "uploads", "k", "e", 1, "01", "{}"}).is_ok());
    for (const char* bad : {"not json", "{}", R"([{"name": 1}])"}) {
        exec_raw(db_in(dir_), std::string("UPDATE jobs SET variants = '") + bad + "'");
        auto job = jobs->get("img");
        ASSERT_FALSE(job.is_ok()) << bad;
        EXPECT_EQ(job.status().code(), StatusCode::kDataLoss) << bad;
    }
    // Nothing could read it, so nothing else could remove it: remove() does, returning nothing.
    auto removed = jobs->remove("img");
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    EXPECT_FALSE(removed->has_value());
    EXPECT_EQ(jobs->get("img").status().reason(), kNoSuchJob);
}

TEST(SqliteJobRowTest, VariantsJsonRoundTrips) {
    std::vector<VariantResult> variants = {
        {"a", "b", "k\"ey\n\u732b", 1, 2, 1ull << 40, "avif", "image/avif"},
        {"", "", "", 0, 0, 0, "", ""}};
    auto back = variants_from_json(variants_to_json(variants));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, variants);
    EXPECT_EQ(variants_to_json({}), "[]");
}

}  // namespace
}  // namespace imgpipe::queue
