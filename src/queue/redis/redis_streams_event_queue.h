#pragma once
// RedisStreamsEventQueue: the EventQueue for scale-out — messages in a Redis stream read through
// a consumer group, so any number of worker processes on any number of machines share them.
//
// Keys (all under one hash tag, `{PREFIX}:q:…`, so a Redis Cluster keeps them on one shard):
//   stream   the messages' entries; group `workers` delivers each new entry once (XREADGROUP),
//            and the group's pending entries list (PEL) holds those claimed and not settled
//   leases   sorted set: id → lease end        retries  sorted set: id → when a retry is due
//   live     sorted set: id → published (for oldest_published)
//   dead     the dead-letter stream: one entry {id, reason} per dead letter, in order of death
//   m:<id>   hash: the message (body, deliveries, lease token, reason, times)
//   work     pub/sub channel: a publish, release or requeue happened
// ack settles the entry (XACK + XDEL) and deletes the hash; a release leaves the entry in the
// PEL until its retry is due, then a claim takes it over (XCLAIM). Lease ends and retry due
// times are the injected Clock's, stored as data: Redis's own idle times (XAUTOCLAIM's
// min-idle-time) run on the server's clock, which a test's FakeClock cannot move and which
// extend() would have to reset by a claim of its own. Each operation is one Lua script
// (redis_queue_scripts.h), so it is atomic across every process.
//
// Durability is the server's: with `appendonly yes` and `appendfsync always` a publish that
// returned survives a crash of Redis, so sync() has nothing left to do (open() warns when the
// server is configured otherwise). The work generation
// moves for this instance's publishes, releases and requeues at once and for other processes'
// through the work channel (RedisSubscriber). The server going away is retried with backoff
// (RedisClient); calls made meanwhile return Unavailable (IoError) after the reconnect window.
//
// Thread-safe; any number of instances and processes may share one queue.

#include <memory>
#include <string>

#include "core/change_signal.h"
#include "core/clock.h"
#include "queue/event_queue.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_subscriber.h"

namespace imgpipe::queue::redis {

struct RedisQueueOptions {
    // As QueueOptions::max_deliveries. At least 1; every process sharing a queue must agree.
    int max_deliveries = 5;
    // Keys are "{<prefix>}:q:…": deployments sharing one Redis database need their own.
    std::string prefix = "imgpipe";
    RedisClientOptions client;
};

class RedisStreamsEventQueue final : public EventQueue {
  public:
    // Connects (failing at once when the server cannot be reached or refuses the credentials)
    // and creates the stream and its group if missing. `clock` outlives the queue.
    // InvalidArgument for max_deliveries < 1 or an empty prefix.
    static Result<std::unique_ptr<RedisStreamsEventQueue>> open(const RedisEndpoint& endpoint,
                                                                Clock& clock,
                                                                RedisQueueOptions options);
    ~RedisStreamsEventQueue() override;

    Status publish(const std::string& dedupe_id, const std::string& body) override;
    Result<std::optional<QueueMessage>> claim(std::chrono::milliseconds lease) override;
    Status ack(const QueueMessage& message) override;
    AckAndClaim ack_and_claim(const QueueMessage& done, std::chrono::milliseconds lease) override;
    Status release(const QueueMessage& message, std::chrono::milliseconds delay,
                   const std::string& reason) override;
    Status bury(const QueueMessage& message, const std::string& reason) override;
    Status extend(const QueueMessage& message, std::chrono::milliseconds lease) override;
    Result<std::vector<DeadLetter>> dead_letters(int limit) override;
    Status requeue(const std::string& id) override;
    Result<QueueStats> stats() override;
    Result<std::optional<TimePoint>> oldest_published() override;
    // Ok: every publish is as durable as the server's appendfsync makes it when it returns.
    Status sync() override;
    Result<std::optional<TimePoint>> next_visible_at() override;
    uint64_t work_generation() const override;
    uint64_t wait_for_work(uint64_t seen, std::chrono::milliseconds timeout) override;

  private:
    RedisStreamsEventQueue(Clock& clock, RedisQueueOptions options,
                           std::unique_ptr<RedisClient> client);

    // Logs a warning when the server's configuration can lose acknowledged writes in a crash
    // (sync() relies on every write being fsynced).
    void warn_unless_durable();
    // Runs a queue script with the shared KEYS and ARGV (redis_queue_scripts.h) then `args`.
    Result<RedisReply> run(const RedisScript& script, std::vector<std::string> args);
    // A lease-checked script's answer as a Status.
    static Status settle_status(const Result<RedisReply>& reply, const QueueMessage& message);
    // kClaim's arguments for a new lease named `token`.
    std::vector<std::string> claim_args(std::chrono::milliseconds lease,
                                        const std::string& token) const;
    // kClaim's answer: the message leased to `token`, or nullopt.
    static Result<std::optional<QueueMessage>> claimed(const RedisReply& reply,
                                                       const std::string& token);

    Clock& clock_;
    const RedisQueueOptions options_;
    std::unique_ptr<RedisClient> client_;
    const std::string keys_prefix_;  // "{prefix}:q:"
    const std::vector<std::string> keys_;
    // This instance's name: its consumer in the group and its origin on the work channel.
    const std::string origin_;
    ChangeSignal work_;
    std::unique_ptr<RedisSubscriber> subscriber_;  // last: stopped before the rest goes
};

}  // namespace imgpipe::queue::redis
