#include "core/sqlite_wal_stamp.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/sqlite_db.h"
#include "temp_dir.h"

namespace imgpipe {
namespace {

class SqliteWalStampTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = SqliteDb::open(path_);
        ASSERT_TRUE(db.is_ok()) << db.status().to_string();
        db_ = std::move(db).value();
        ASSERT_TRUE(db_->exec("CREATE TABLE t (v INTEGER)").is_ok());
    }

    TempDir dir_;
    std::string path_ = dir_.path() + "/t.db";
    std::unique_ptr<SqliteDb> db_;
};

TEST_F(SqliteWalStampTest, NoWalIndexIsAnError) {
    EXPECT_FALSE(SqliteWalStamp::open(dir_.path() + "/none.db").is_ok());
}

TEST_F(SqliteWalStampTest, StaysWhileNothingIsCommitted) {
    auto stamp = SqliteWalStamp::open(path_);
    ASSERT_TRUE(stamp.is_ok()) << stamp.status().to_string();
    auto before = (*stamp)->read();
    ASSERT_TRUE(before.has_value());
    auto reader = SqliteDb::open(path_);
    ASSERT_TRUE(reader.is_ok());
    ASSERT_TRUE((*reader)->exec("SELECT count(*) FROM t").is_ok());  // a read commits nothing
    EXPECT_EQ((*stamp)->read(), before);
}

TEST_F(SqliteWalStampTest, ChangesWithEveryCommitOfAnotherConnection) {
    auto stamp = SqliteWalStamp::open(path_);
    ASSERT_TRUE(stamp.is_ok()) << stamp.status().to_string();
    auto other = SqliteDb::open(path_);
    ASSERT_TRUE(other.is_ok());
    auto last = (*stamp)->read();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE((*other)->exec("INSERT INTO t VALUES (" + std::to_string(i) + ")").is_ok());
        auto now = (*stamp)->read();
        ASSERT_TRUE(now.has_value());
        EXPECT_NE(now, last) << "commit " << i;
        last = now;
    }
}

// The case the stamp exists for: a writer in another process (here the sqlite3 shell, another
// build of SQLite), whose commit this process learns of only through the shared wal-index.
TEST_F(SqliteWalStampTest, ChangesWithACommitOfAnotherProcess) {
    auto stamp = SqliteWalStamp::open(path_);
    ASSERT_TRUE(stamp.is_ok()) << stamp.status().to_string();
    const auto before = (*stamp)->read();
    const std::string command = "sqlite3 '" + path_ + "' 'INSERT INTO t VALUES (42)'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_NE((*stamp)->read(), before);
    auto after = (*stamp)->read();
    ASSERT_TRUE(db_->exec("SELECT count(*) FROM t").is_ok());
    EXPECT_EQ((*stamp)->read(), after);
}

}  // namespace
}  // namespace imgpipe
