// LocalObjectStore under concurrency: readers racing overwrites see a whole old or a whole new
// object, never a mix; a reader that opened an object keeps its bytes after the object is
// replaced or deleted; concurrent puts of different keys all land, and when their index commits
// are grouped into one transaction a row that fails fails alone.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::files_under;
using testing::put_string;
using testing::read_object;
using testing::TempDir;

class LocalObjectStoreConcurrencyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        data_ = dir_.path() + "/data";
        store_ = testing::open_store(data_);
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("bkt").is_ok());
    }

    TempDir dir_;
    std::string data_;
    std::unique_ptr<LocalObjectStore> store_;
};

// Version v of the object: 1.5 MiB of the byte v, so any mix of versions is detectable.
std::string version(int v) { return std::string(1536 * 1024, static_cast<char>('A' + v % 26)); }

TEST_F(LocalObjectStoreConcurrencyTest, ReadersSeeOldOrNewNeverAMix) {
    ASSERT_TRUE(put_string(*store_, "bkt", "k", version(0)).is_ok());
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::atomic<int> bad{0};
    auto reader = [&] {
        while (!stop.load()) {
            std::string data = read_object(*store_, "bkt", "k");
            bool whole = data.size() == version(0).size() &&
                         data.find_first_not_of(data[0]) == std::string::npos;
            if (!whole) ++bad;
            ++reads;
        }
    };
    std::thread r1(reader), r2(reader);
    for (int v = 1; v <= 40; ++v) {
        ASSERT_TRUE(put_string(*store_, "bkt", "k", version(v)).is_ok());
    }
    // Keep overwriting until the readers have had a fair chance to race.
    for (int v = 41; reads.load() < 50 && v < 1000; ++v) {
        ASSERT_TRUE(put_string(*store_, "bkt", "k", version(v)).is_ok());
    }
    stop = true;
    r1.join();
    r2.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GE(reads.load(), 50);
    EXPECT_EQ(files_under(data_, "objects").size(), 1u);
}

TEST_F(LocalObjectStoreConcurrencyTest, OpenReaderKeepsOldBytesAfterReplaceAndDelete) {
    std::string old_bytes = version(1);
    ASSERT_TRUE(put_string(*store_, "bkt", "k", old_bytes).is_ok());
    auto reader = store_->get_object("bkt", "k", std::nullopt);
    ASSERT_TRUE(reader.is_ok());
    ASSERT_TRUE(put_string(*store_, "bkt", "k", "new").is_ok());
    ASSERT_TRUE(store_->delete_object("bkt", "k").is_ok());
    auto data = read_all(*reader->body, 1 << 30);
    ASSERT_TRUE(data.is_ok());
    EXPECT_EQ(*data, old_bytes);
}

TEST_F(LocalObjectStoreConcurrencyTest, ConcurrentPutsOfDifferentAndSameKeysAllLand) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 25;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
                if (!put_string(*store_, "bkt", key, key).is_ok()) ++failures;
                if (!put_string(*store_, "bkt", "shared", version(t)).is_ok()) ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kPerThread; ++i) {
            std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
            EXPECT_EQ(read_object(*store_, "bkt", key), key);
        }
    }
    // Exactly one data file ("shared") and one inline row per small key: every replaced
    // "shared" file was removed.
    EXPECT_EQ(files_under(data_, "objects").size(), 1u);
    EXPECT_EQ(testing::inline_rows(data_), kThreads * kPerThread);
    EXPECT_TRUE(files_under(data_, "tmp").empty());
}

TEST_F(LocalObjectStoreConcurrencyTest, GroupedCommitsFailOneByOne) {
    // Puts into a bucket that is deleted at once race puts into one that stays: whichever
    // commits share a transaction, every put reports its own outcome and the store agrees.
    ASSERT_TRUE(store_->create_bucket("gone").is_ok());
    constexpr int kPuts = 24;
    std::vector<Result<ObjectInfo>> results(kPuts, Status(StatusCode::kInternal, "", "unset"));
    std::vector<std::thread> threads;
    threads.reserve(kPuts);
    for (int i = 0; i < kPuts; ++i) {
        threads.emplace_back([&, i] {
            const std::string bucket = i % 3 == 0 ? "gone" : "bkt";
            results[i] = put_string(*store_, bucket, "k" + std::to_string(i), version(i));
        });
    }
    (void)store_->delete_bucket("gone");  // succeeds only while no put landed in it
    for (auto& t : threads) t.join();
    for (int i = 0; i < kPuts; ++i) {
        const std::string bucket = i % 3 == 0 ? "gone" : "bkt";
        const std::string key = "k" + std::to_string(i);
        if (results[i].is_ok()) {
            EXPECT_EQ(read_object(*store_, bucket, key), version(i)) << key;
        } else {
            EXPECT_EQ(bucket, "gone") << key << ": " << results[i].status().to_string();
            EXPECT_EQ(results[i].status().reason(), "NoSuchBucket");
            EXPECT_EQ(read_object(*store_, bucket, key), "error:NoSuchBucket");
        }
    }
    EXPECT_TRUE(files_under(data_, "tmp").empty());
}

}  // namespace
}  // namespace imgpipe::store
