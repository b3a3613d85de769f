#include "core/sqlite_wal_stamp.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "core/sqlite_db.h"
#include "temp_dir.h"

namespace imgpipe {
namespace {

// Byte 120 + 8 of the -shm file, SQLite's "dead man switch": every process using the database
// holds a read lock on it; one that finds it unlocked takes itself for the first and rebuilds
// the WAL-index (sqlite.org/walformat.html).
constexpr off_t kInUseByte = 128;

class SqliteWalStampTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto db = SqliteDb::open(path_);
        ASSERT_TRUE(db.is_ok()) << db.status().to_string();
        db_ = std::move(db).value();
        ASSERT_TRUE(db_->exec("CREATE TABLE t (v INTEGER)").is_ok());
        auto stamp = SqliteWalStamp::open(*db_);
        ASSERT_TRUE(stamp.is_ok()) << stamp.status().to_string();
        stamp_ = std::move(stamp).value();
    }

    // Commits one row through the sqlite3 shell, a process of its own.
    void commit_in_another_process(int v) {
        const std::string command =
            "sqlite3 '" + path_ + "' 'INSERT INTO t VALUES (" + std::to_string(v) + ")'";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }

    TempDir dir_;
    std::string path_ = dir_.path() + "/t.db";
    std::unique_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteWalStamp> stamp_;
};

// iChange, the header's commit counter.
uint32_t commits(const SqliteWalStamp::Value& v) { return v[2]; }

TEST(SqliteWalStampOpenTest, AnInMemoryDatabaseHasNone) {
    auto db = SqliteDb::open(":memory:");
    ASSERT_TRUE(db.is_ok());
    EXPECT_FALSE(SqliteWalStamp::open(**db).is_ok());
}

TEST_F(SqliteWalStampTest, StaysWhileNothingIsCommitted) {
    auto before = stamp_->read();
    ASSERT_TRUE(before.has_value());
    auto reader = SqliteDb::open(path_);
    ASSERT_TRUE(reader.is_ok());
    ASSERT_TRUE((*reader)->exec("SELECT count(*) FROM t").is_ok());  // a read commits nothing
    EXPECT_EQ(stamp_->read(), before);
}

TEST_F(SqliteWalStampTest, ChangesWithEveryCommitOfAnotherConnection) {
    auto other = SqliteDb::open(path_);
    ASSERT_TRUE(other.is_ok());
    auto last = stamp_->read();
    ASSERT_TRUE(last.has_value());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE((*other)->exec("INSERT INTO t VALUES (" + std::to_string(i) + ")").is_ok());
        auto now = stamp_->read();
        ASSERT_TRUE(now.has_value());
        EXPECT_EQ(commits(*now), commits(*last) + 1) << "commit " << i;
        last = now;
    }
}

// The case the stamp exists for: a writer in another process, whose commit this process learns
// of only through the shared WAL-index. Exactly one commit more: had that process found the
// WAL-index unused and rebuilt it, the counter would have started again.
TEST_F(SqliteWalStampTest, CountsACommitOfAnotherProcess) {
    const auto before = stamp_->read();
    ASSERT_TRUE(before.has_value());
    commit_in_another_process(42);
    const auto after = stamp_->read();
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(commits(*after), commits(*before) + 1);
    ASSERT_TRUE(db_->exec("SELECT count(*) FROM t").is_ok());
    EXPECT_EQ(stamp_->read(), after);
}

// Opening (and closing) a descriptor of the -shm file would drop this process's fcntl locks on
// it; the stamp must leave SQLite's "in use" lock where it was. Asked from a child process, as
// F_GETLK reports only other processes' locks.
TEST_F(SqliteWalStampTest, LeavesSqlitesInUseLockHeld) {
    const std::string shm = path_ + "-shm";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const int fd = ::open(shm.c_str(), O_RDWR | O_CLOEXEC);
        struct flock probe {};
        probe.l_type = F_WRLCK;
        probe.l_whence = SEEK_SET;
        probe.l_start = kInUseByte;
        probe.l_len = 1;
        const bool held = fd >= 0 && ::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type == F_RDLCK;
        ::_exit(held ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "no read lock on byte 128 of " << shm;
}

}  // namespace
}  // namespace imgpipe
