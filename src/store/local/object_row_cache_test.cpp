#include "store/local/object_row_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::open_store;
using testing::put_string;
using testing::read_object;
using testing::TempDir;

SqliteWalStamp::Value stamp(uint32_t change) { return {0, 0, change}; }

ObjectRow row_with_etag(const std::string& etag) {
    ObjectRow row;
    row.info.etag = etag;
    row.data_inline = true;
    row.inline_bytes = "bytes";
    return row;
}

TEST(ObjectRowCacheTest, ARowIsGoodOnlyAtTheStampItWasReadAt) {
    ObjectRowCache cache(10);
    cache.insert(stamp(1), "b", "k", row_with_etag("e1"));
    auto hit = cache.find(stamp(1), "b", "k");
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->info.etag, "e1");
    EXPECT_TRUE(hit->inline_bytes.empty()) << "bytes are not the cache's to keep";
    EXPECT_FALSE(cache.find(stamp(2), "b", "k").has_value());
    EXPECT_FALSE(cache.find(stamp(1), "b", "other").has_value());
    EXPECT_FALSE(cache.find(stamp(1), "b/k", "").has_value());
}

TEST(ObjectRowCacheTest, ARowOfANewStampDropsTheOldOnes) {
    ObjectRowCache cache(10);
    cache.insert(stamp(1), "b", "a", row_with_etag("a1"));
    cache.insert(stamp(1), "b", "b", row_with_etag("b1"));
    cache.insert(stamp(2), "b", "a", row_with_etag("a2"));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find(stamp(2), "b", "a")->info.etag, "a2");
    EXPECT_FALSE(cache.find(stamp(2), "b", "b").has_value());
}

TEST(ObjectRowCacheTest, HoldsAtMostItsCapacity) {
    ObjectRowCache cache(3);
    for (int i = 0; i < 10; ++i) {
        cache.insert(stamp(1), "b", std::to_string(i), row_with_etag(std::to_string(i)));
        EXPECT_LE(cache.size(), 3u);
    }
    EXPECT_EQ(cache.find(stamp(1), "b", "9")->info.etag, "9");
}

TEST(ObjectRowCacheTest, TheIndexKeepsARowItReadUntilACommit) {
    TempDir dir;
    auto index = SqliteIndex::open(dir.path() + "/index.db");
    ASSERT_TRUE(index.is_ok()) << index.status().to_string();
    ASSERT_TRUE((*index)->create_bucket("photos", {}).is_ok());
    ObjectRow row = row_with_etag("e1");
    row.info.bucket = "photos";
    row.info.key = "k";
    row.data_id = "d1";
    ASSERT_TRUE((*index)->commit_object(row).is_ok());
    EXPECT_EQ((*index)->cached_rows(), 0u);
    ASSERT_TRUE((*index)->get_object("photos", "k").is_ok());
    EXPECT_EQ((*index)->cached_rows(), 1u);
    EXPECT_EQ((*index)->get_object("photos", "k")->info.etag, "e1");
    row.info.etag = "e2";
    row.data_id = "d2";
    ASSERT_TRUE((*index)->commit_object(row).is_ok());
    EXPECT_EQ((*index)->get_object("photos", "k")->info.etag, "e2");
    EXPECT_EQ((*index)->cached_rows(), 1u) << "the row of before the commit is dropped";
}

// Through the store: a second store on the same data dir stands for another process (its own
// connections; the two share only the files), the sqlite3 shell for one that is really apart.
class CachedRowsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        data_ = dir_.path() + "/data";
        reader_ = open_store(data_);
        writer_ = open_store(data_);
        ASSERT_NE(reader_, nullptr);
        ASSERT_NE(writer_, nullptr);
        ASSERT_TRUE(writer_->create_bucket("photos").is_ok());
        ASSERT_TRUE(put_string(*writer_, "photos", "k", "first").is_ok());
        ASSERT_EQ(read_object(*reader_, "photos", "k"), "first");
        ASSERT_EQ(read_object(*reader_, "photos", "k"), "first");  // now from the cache
    }

    TempDir dir_;
    std::string data_;
    std::unique_ptr<LocalObjectStore> reader_;
    std::unique_ptr<LocalObjectStore> writer_;
};

TEST_F(CachedRowsTest, AReplacementElsewhereIsSeenAtOnce) {
    ASSERT_TRUE(put_string(*writer_, "photos", "k", "second").is_ok());
    EXPECT_EQ(read_object(*reader_, "photos", "k"), "second");
    EXPECT_EQ(reader_->head_object("photos", "k")->size, 6u);
}

TEST_F(CachedRowsTest, ADeleteElsewhereIsSeenAtOnce) {
    ASSERT_TRUE(writer_->delete_object("photos", "k").is_ok());
    EXPECT_EQ(read_object(*reader_, "photos", "k"), "error:NoSuchKey");
}

TEST_F(CachedRowsTest, AChangeByAnotherProcessIsSeenAtOnce) {
    const std::string command =
        "sqlite3 '" + data_ + "/index.db' \"UPDATE objects SET etag = 'changed-outside'\"";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_EQ(reader_->head_object("photos", "k")->etag, "changed-outside");
}

}  // namespace
}  // namespace imgpipe::store
