// What only the Redis queue and job store promise, each test on a redis-server of its own: a
// change made through one handle (another process) wakes the waiters of another, a worker's
// ack and next claim are one script, the data survives a crash of the server (AOF, appendfsync
// always), calls made while the server is away wait for it to come back, and bad URLs are
// reported.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/keyed_change_signal.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_endpoint.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_streams_event_queue.h"
#include "queue/redis/redis_test_server.h"

namespace imgpipe::queue::redis {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)
using testing::RedisTestServer;

class RedisServerTest : public ::testing::Test {
  protected:
    std::unique_ptr<RedisStreamsEventQueue> queue(std::chrono::milliseconds window = 10s) {
        RedisQueueOptions options;
        options.max_deliveries = 2;
        options.client.reconnect_window = window;
        auto q = RedisStreamsEventQueue::open(server_.endpoint(), clock_, options);
        EXPECT_TRUE(q.is_ok()) << q.status().to_string();
        return q.is_ok() ? std::move(q).value() : nullptr;
    }
    std::unique_ptr<RedisJobStore> jobs() {
        auto j = RedisJobStore::open(server_.endpoint(), clock_, {});
        EXPECT_TRUE(j.is_ok()) << j.status().to_string();
        return j.is_ok() ? std::move(j).value() : nullptr;
    }

    RedisTestServer server_;
    FakeClock clock_;
};

// Waits (real time, bounded) until `generation()` differs from `seen`.
template <typename F>
bool moves_within(uint64_t seen, F wait) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (wait(seen) != seen) return true;
    }
    return false;
}

TEST_F(RedisServerTest, APublishThroughAnotherHandleWakesTheWaiter) {
    auto consumer = queue();
    auto producer = queue();
    ASSERT_TRUE(consumer && producer);
    const uint64_t seen = consumer->work_generation();
    ASSERT_TRUE(producer->publish("m", "b").is_ok());
    EXPECT_TRUE(moves_within(seen, [&](uint64_t s) { return consumer->wait_for_work(s, 10s); }));
}

TEST_F(RedisServerTest, AJobChangeThroughAnotherHandleWakesTheWaiter) {
    auto api = jobs();
    auto worker = jobs();
    ASSERT_TRUE(api && worker);
    ASSERT_TRUE(worker->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
    const uint64_t seen = api->change_generation("img");
    ASSERT_TRUE(worker->start("img", "0A").is_ok());
    EXPECT_TRUE(
        moves_within(seen, [&](uint64_t s) { return api->wait_for_change("img", s, 10s); }));
    EXPECT_EQ(api->get("img")->state, JobState::kProcessing);
}

// A process that never waits for a job (a worker) does not hear every job change.
TEST_F(RedisServerTest, TheJobStoreSubscribesOnTheFirstWait) {
    auto store = jobs();
    auto client = RedisClient::connect(server_.endpoint());
    ASSERT_TRUE(store && client.is_ok());
    auto subscribers = [&]() -> int64_t {
        auto r = (*client)->command({"PUBSUB", "NUMSUB", "{imgpipe}:j:changes"});
        return r.is_ok() && r->size() == 2 ? (*r)[1].integer() : -1;
    };
    ASSERT_TRUE(store->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
    ASSERT_TRUE(store->start("img", "0A").is_ok());
    EXPECT_EQ(subscribers(), 0);
    (void)store->change_generation("img");
    EXPECT_EQ(subscribers(), 1);
}

// The message names the job: a waiter on another API node sleeps through other jobs' changes.
TEST_F(RedisServerTest, AnotherJobsChangeThroughAnotherHandleLeavesTheWaiterAlone) {
    ASSERT_NE(KeyedChangeSignal::slot_of("img"), KeyedChangeSignal::slot_of("other"));
    auto api = jobs();
    auto worker = jobs();
    ASSERT_TRUE(api && worker);
    ASSERT_TRUE(worker->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
    ASSERT_TRUE(worker->submit({"other", "uploads", "k2", "e", 1, "0A", "{}"}).is_ok());
    const uint64_t seen = api->change_generation("img");
    const uint64_t other = api->change_generation("other");
    ASSERT_TRUE(worker->start("other", "0A").is_ok());
    // Heard once "other" moves (messages arrive in order, and nothing else is published).
    EXPECT_TRUE(
        moves_within(other, [&](uint64_t s) { return api->wait_for_change("other", s, 10s); }));
    EXPECT_EQ(api->change_generation("img"), seen);
}

TEST_F(RedisServerTest, MessagesAndJobsSurviveACrashOfTheServer) {
    auto q = queue();
    auto j = jobs();
    ASSERT_TRUE(q && j);
    for (const char* id : {"dead", "leased", "delayed", "ready"}) {
        ASSERT_TRUE(q->publish(id, std::string("body-") + id).is_ok());
    }
    for (int i = 0; i < 2; ++i) {
        auto m = q->claim(30s);
        ASSERT_TRUE(m.is_ok() && m->has_value());
        ASSERT_TRUE(q->release(**m, 0ms, "poison").is_ok());
    }
    auto leased = q->claim(30s);
    ASSERT_TRUE(leased.is_ok() && leased->has_value());
    auto delayed = q->claim(30s);
    ASSERT_TRUE(delayed.is_ok() && delayed->has_value());
    ASSERT_TRUE(q->release(**delayed, 10s, "later").is_ok());
    ASSERT_TRUE(j->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
    ASSERT_TRUE(j->start("img", "0A").is_ok());

    server_.stop(SIGKILL);
    server_.start();

    EXPECT_EQ(q->stats()->ready, 2);
    EXPECT_EQ(q->stats()->leased, 1);
    EXPECT_EQ(q->stats()->dead, 1);
    EXPECT_EQ((*q->dead_letters(10))[0].reason, "poison");
    EXPECT_TRUE(q->ack(**leased).is_ok()) << "a lease taken before the crash still holds";
    auto next = q->claim(30s);
    ASSERT_TRUE(next.is_ok() && next->has_value());
    EXPECT_EQ((*next)->id, "ready");
    EXPECT_EQ((*next)->body, "body-ready");
    clock_.advance(10s);
    auto again = q->claim(30s);
    ASSERT_TRUE(again.is_ok() && again->has_value());
    EXPECT_EQ((*again)->id, "delayed");
    EXPECT_EQ((*again)->deliveries, 2);
    EXPECT_EQ(j->get("img")->state, JobState::kProcessing);
    EXPECT_EQ(j->get("img")->attempts, 1);
}

TEST_F(RedisServerTest, CallsWhileTheServerIsAwayWaitForItToComeBack) {
    auto q = queue();
    auto waiter = queue();
    ASSERT_TRUE(q && waiter);
    server_.stop(SIGTERM);
    Status published;
    // Reconnects with backoff until the server is back.
    std::thread publisher([&] { published = q->publish("m", "b"); });
    std::this_thread::sleep_for(300ms);  // the publisher is retrying by now (or it fails below)
    server_.start();
    publisher.join();
    ASSERT_TRUE(published.is_ok()) << published.to_string();
    // The other handle's subscription came back too: a publish wakes it.
    const uint64_t seen = waiter->work_generation();
    ASSERT_TRUE(q->publish("n", "b").is_ok());
    EXPECT_TRUE(moves_within(seen, [&](uint64_t s) { return waiter->wait_for_work(s, 10s); }));
    auto m = waiter->claim(30s);
    ASSERT_TRUE(m.is_ok() && m->has_value());
    EXPECT_EQ((*m)->id, "m");
}

// What a worker does between two jobs is one script: one round trip, one fsynced write.
TEST_F(RedisServerTest, AckAndClaimIsOneScript) {
    auto q = queue();
    auto client = RedisClient::connect(server_.endpoint());
    ASSERT_TRUE(q && client.is_ok());
    auto scripts_run = [&]() -> int64_t {
        auto info = (*client)->command({"INFO", "commandstats"});
        if (!info.is_ok()) return -1;
        const std::string text = info->str();
        int64_t calls = 0;
        for (const char* name : {"cmdstat_evalsha:calls=", "cmdstat_eval:calls="}) {
            if (auto at = text.find(name); at != std::string::npos) {
                calls += std::stoll(text.substr(at + std::char_traits<char>::length(name)));
            }
        }
        return calls;
    };
    for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(q->publish(id, "{}").is_ok());
    auto a = q->claim(10s);
    ASSERT_TRUE(a.is_ok() && a->has_value());
    auto b = q->ack_and_claim(**a, 10s);  // loads the script into the server's cache
    ASSERT_TRUE(b.acked.is_ok() && b.next.is_ok() && b.next->has_value());

    const int64_t before = scripts_run();
    auto c = q->ack_and_claim(**b.next, 10s);
    EXPECT_EQ(scripts_run(), before + 1);
    EXPECT_TRUE(c.acked.is_ok()) << c.acked.to_string();
    ASSERT_TRUE(c.next.is_ok() && c.next->has_value());
    EXPECT_EQ((*c.next)->id, "c");
}

// A busy node keeps many idle connections; a restart of the server closes them all. The first
// call after it must not spend its reconnect window trying them one by one.
TEST_F(RedisServerTest, ARestartDoesNotFailCallsOnTheIdleConnectionsItClosed) {
    RedisClientOptions options;
    options.reconnect_window = 300ms;  // a few backoff steps, fewer than the idle connections
    auto client = RedisClient::connect(server_.endpoint(), options);
    ASSERT_TRUE(client.is_ok()) << client.status().to_string();
    // 20 callers blocked at once hold 20 connections, which go back to the pool after.
    constexpr int kCallers = 20;
    std::vector<std::thread> callers;
    callers.reserve(kCallers);
    for (int i = 0; i < kCallers; ++i) {
        callers.emplace_back([&] { (void)(*client)->command({"BLPOP", "wake", "0"}); });
    }
    auto blocked = [&] {
        auto info = (*client)->command({"INFO", "clients"});
        return info.is_ok() &&
               info->str().find("blocked_clients:" + std::to_string(kCallers)) != std::string::npos;
    };
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!blocked()) ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not all blocked";
    std::vector<std::string> push = {"RPUSH", "wake"};
    for (int i = 0; i < kCallers; ++i) push.emplace_back("x");
    ASSERT_TRUE((*client)->command(push).is_ok());
    for (auto& t : callers) t.join();

    server_.stop(SIGKILL);
    server_.start();
    auto pong = (*client)->command({"PING"});
    ASSERT_TRUE(pong.is_ok()) << pong.status().to_string();
    EXPECT_EQ(pong->str(), "PONG");
}

TEST_F(RedisServerTest, AServerThatStaysAwayIsUnavailable) {
    auto q = queue(200ms);
    ASSERT_TRUE(q);
    server_.stop(SIGTERM);
    Status st = q->publish("m", "b");
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.to_string();
    EXPECT_EQ(st.reason(), "IoError");
    auto claimed = q->claim(30s);
    EXPECT_EQ(claimed.status().code(), StatusCode::kUnavailable);
    server_.start();
    EXPECT_TRUE(q->publish("m", "b").is_ok()) << "back once the server is";
}

TEST_F(RedisServerTest, OpeningAnUnreachableServerFails) {
    RedisEndpoint nobody = server_.endpoint();
    server_.stop(SIGTERM);
    auto q = RedisStreamsEventQueue::open(nobody, clock_, {});
    ASSERT_FALSE(q.is_ok());
    EXPECT_EQ(q.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(q.status().message().find(nobody.to_string()), std::string::npos);
}

TEST_F(RedisServerTest, UnreadableJobFieldsAreDataLoss) {
    auto j = jobs();
    ASSERT_TRUE(j);
    ASSERT_TRUE(j->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
    auto raw = RedisClient::connect(server_.endpoint());
    ASSERT_TRUE(raw.is_ok());
    for (const auto& [field, bad] :
         std::vector<std::pair<std::string, std::string>>{{"variants", "not json"},
                                                          {"state", "paused"},
                                                          {"attempts", "two"},
                                                          {"updated_ns", ""}}) {
        ASSERT_TRUE(j->remove("img").is_ok());
        ASSERT_TRUE(j->submit({"img", "uploads", "k", "e", 1, "0A", "{}"}).is_ok());
        ASSERT_TRUE((*raw)->command({"HSET", "{imgpipe}:j:img", field, bad}).is_ok());
        auto job = j->get("img");
        ASSERT_FALSE(job.is_ok()) << field;
        EXPECT_EQ(job.status().code(), StatusCode::kDataLoss) << field;
        EXPECT_EQ(job.status().reason(), "CorruptJobRow") << field;
        auto started = j->start("img", "0A");
        EXPECT_EQ(started.status().code(), StatusCode::kDataLoss) << "not overwritten: " << field;
    }
    // Nothing could read it, so nothing else could remove it: remove() does, returning nothing.
    auto removed = j->remove("img");
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    EXPECT_FALSE(removed->has_value());
    EXPECT_EQ(j->get("img").status().reason(), kNoSuchJob);
}

TEST(RedisEndpointTest, ParsesTheQueueUrl) {
    auto e = parse_redis_url("redis://10.0.0.5:6380/2");
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    EXPECT_EQ(e->host, "10.0.0.5");
    EXPECT_EQ(e->port, 6380);
    EXPECT_EQ(e->db, 2);
    EXPECT_EQ(e->password, "");

    auto d = parse_redis_url("redis://cache.internal");
    ASSERT_TRUE(d.is_ok());
    EXPECT_EQ(d->port, 6379);
    EXPECT_EQ(d->db, 0);

    auto auth = parse_redis_url("redis://app:s3cr%t@[::1]:7000/");
    ASSERT_TRUE(auth.is_ok());
    EXPECT_EQ(auth->user, "app");
    EXPECT_EQ(auth->password, "s3cr%t");
    EXPECT_EQ(auth->host, "::1");
    EXPECT_EQ(auth->port, 7000);
    EXPECT_EQ(auth->to_string(), "redis://[::1]:7000/0") << "never the password";
}

TEST(RedisEndpointTest, RejectsBadUrlsWithoutEchoingThem) {
    for (const char* bad :
         {"sqlite", "http://h:1", "redis://", "redis://:pw@:6379", "redis://h:0", "redis://h:99999",
          "redis://h:x", "redis://h:6379/x", "redis://h:6379/-1", "redis://[::1", "redis://h:"}) {
        auto e = parse_redis_url(bad);
        ASSERT_FALSE(e.is_ok()) << bad;
        EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << bad;
        EXPECT_EQ(e.status().reason(), "InvalidQueueUrl") << bad;
    }
    auto e = parse_redis_url("redis://user:hunter2@h:99999");
    EXPECT_EQ(e.status().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace imgpipe::queue::redis
