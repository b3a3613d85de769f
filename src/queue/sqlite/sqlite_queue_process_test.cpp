// SqliteEventQueue across processes: consumers in separate processes (separate POSIX lock
// owners, unlike two connections in one process) never lease one message twice.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>

#include "queue/sqlite/sqlite_queue_test_util.h"

namespace imgpipe::queue {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)
using testing::db_in;
using testing::open_queue;
using testing::TempDir;

// The body of a forked consumer: claims and acks until nothing is visible, writing each
// claimed id to `out`. Returns the exit code (no gtest in a child).
int consume(const std::string& db, const std::string& out) {
    auto queue = SqliteEventQueue::open(db, SystemClock::instance(), QueueOptions{});
    if (!queue.is_ok()) return 2;
    std::ofstream ids(out);
    for (;;) {
        auto m = (*queue)->claim(1h);
        if (!m.is_ok()) return 3;
        if (!m->has_value()) return ids.good() ? 0 : 4;
        ids << (*m)->id << '\n';
        if (!(*queue)->ack(**m).is_ok()) return 5;
    }
}

TEST(SqliteQueueProcessTest, ConsumerProcessesClaimEachMessageOnce) {
    constexpr int kMessages = 400;
    constexpr int kProcesses = 3;
    TempDir dir;
    {
        // Closed before forking: an SQLite connection must not cross a fork.
        auto queue = open_queue(db_in(dir), SystemClock::instance());
        ASSERT_NE(queue, nullptr);
        for (int i = 0; i < kMessages; ++i) {
            ASSERT_TRUE(queue->publish("m" + std::to_string(i), "body").is_ok());
        }
    }
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) _exit(consume(db_in(dir), dir.path() + "/ids-" + std::to_string(p)));
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }

    std::map<std::string, int> claims;
    for (int p = 0; p < kProcesses; ++p) {
        std::ifstream in(dir.path() + "/ids-" + std::to_string(p));
        for (std::string id; std::getline(in, id);) ++claims[id];
    }
    EXPECT_EQ(claims.size(), static_cast<size_t>(kMessages));
    for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
    auto queue = open_queue(db_in(dir), SystemClock::instance());
    ASSERT_NE(queue, nullptr);
    EXPECT_EQ(queue->stats()->ready + queue->stats()->leased, 0);
}

}  // namespace
}  // namespace imgpipe::queue
