#pragma once
// EventQueue: the port through which object-created events reach the workers, at least once.
// Implementations: SqliteEventQueue (src/queue/sqlite, `pipeline.db` in the data dir) and, for
// scale-out, RedisStreamsEventQueue. One contract suite (event_queue_contract.h) runs against
// every implementation with a FakeClock.
//
// A message is published once (a repeated `dedupe_id` while the message is still in the queue is
// a no-op, so the outbox relay may publish again after a crash), then claimed by one consumer at
// a time under a lease. The consumer acks it when done, or releases it to come back after a
// delay (a retry with backoff). A lease that runs out without ack or release makes the message
// visible again (the worker died). Every claim counts a delivery; a message whose deliveries
// reach `max_deliveries` and that is released or whose lease expires again goes to the
// dead-letter state instead of coming back: it is kept, listed by dead_letters() and can be put
// back by requeue(); a consumer may also bury() a message it gives up on. Messages are claimed
// oldest-visible first (publish order among those visible at the same time).
//
// Time is the injected Clock's: leases and delays expire when clock.now() passes them, with no
// thread of the queue's own. Thread-safe; several processes may share one queue.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace imgpipe::queue {

using TimePoint = std::chrono::system_clock::time_point;

struct QueueMessage {
    std::string id;      // the dedupe id it was published with
    std::string body;    // opaque to the queue (S3 event notification JSON)
    int deliveries = 0;  // claims so far, this one included (1 on the first)
    // Identifies this claim: ack/release with a stale lease (the message was re-claimed after
    // the lease ran out) fail with LeaseLost.
    std::string lease;
    TimePoint published;
};

struct DeadLetter {
    std::string id;
    std::string body;
    int deliveries = 0;
    std::string reason;  // the last release's reason, or "LeaseExpired"
    TimePoint published;
    TimePoint died;
};

struct QueueStats {
    int64_t ready = 0;   // visible now or after a retry delay
    int64_t leased = 0;  // claimed, lease running
    int64_t dead = 0;
};

// Status reasons of the queue (plus the implementation's IoError / Busy / DiskFull).
inline constexpr const char* kLeaseLost = "LeaseLost";              // kFailedPrecondition
inline constexpr const char* kNoSuchMessage = "NoSuchMessage";      // kNotFound
inline constexpr const char* kLeaseExpiredReason = "LeaseExpired";  // a dead letter's reason

class EventQueue {
  public:
    virtual ~EventQueue() = default;

    // Adds a message, visible at once. Ok without adding anything when a message with the same
    // `dedupe_id` is still queued, leased or dead. REQUIRES: dedupe_id non-empty.
    virtual Status publish(const std::string& dedupe_id, const std::string& body) = 0;

    // Claims the oldest visible message for `lease`, counting a delivery. nullopt when none is
    // visible now. A message whose lease expired with deliveries >= max_deliveries is moved to
    // the dead letters here instead of being returned (reason LeaseExpired).
    virtual Result<std::optional<QueueMessage>> claim(std::chrono::milliseconds lease) = 0;

    // Removes a claimed message for good. LeaseLost if `message.lease` is no longer its lease;
    // NoSuchMessage if it is gone.
    virtual Status ack(const QueueMessage& message) = 0;

    // What a consumer does between two jobs: ack(done), then claim(lease), also when the ack
    // is LeaseLost or NoSuchMessage. One call, so that a networked queue can make it one round
    // trip and one durable write; the default makes the two calls. An error of the queue itself
    // (IoError) may fail both halves, the ack unmade.
    struct AckAndClaim {
        Status acked;
        Result<std::optional<QueueMessage>> next;
    };
    virtual AckAndClaim ack_and_claim(const QueueMessage& done, std::chrono::milliseconds lease) {
        Status acked = ack(done);
        return {std::move(acked), claim(lease)};
    }

    // Gives a claimed message back, visible again after `delay`; or, when its deliveries have
    // reached max_deliveries, moves it to the dead letters with `reason`. LeaseLost,
    // NoSuchMessage as ack.
    virtual Status release(const QueueMessage& message, std::chrono::milliseconds delay,
                           const std::string& reason) = 0;

    // Moves a claimed message to the dead letters now, with `reason` (the consumer gave up on
    // it). LeaseLost, NoSuchMessage as ack.
    virtual Status bury(const QueueMessage& message, const std::string& reason) = 0;

    // Extends a running lease to now + `lease` (a long job). LeaseLost, NoSuchMessage.
    virtual Status extend(const QueueMessage& message, std::chrono::milliseconds lease) = 0;

    // Dead letters, oldest death first, at most `limit`.
    virtual Result<std::vector<DeadLetter>> dead_letters(int limit) = 0;
    // Makes a dead letter visible again with its delivery count reset. NoSuchMessage if no dead
    // letter has this id.
    virtual Status requeue(const std::string& id) = 0;

    virtual Result<QueueStats> stats() = 0;
    // When the oldest message still to be settled (ready, delayed or leased; not dead) was
    // published: how far behind the consumers are. nullopt when there is none.
    virtual Result<std::optional<TimePoint>> oldest_published() = 0;

    // Makes every publish so far survive power loss (a process crash never loses one). Until
    // it returns, a publisher keeps its own copy of what it published (the local store's
    // outbox rows), so that a publish costs no disk flush of its own. IoError.
    virtual Status sync() = 0;

    // The earliest time a message that is not visible now becomes visible (a retry delay or a
    // lease running out), so a consumer knows how long it may sleep; nullopt if none.
    virtual Result<std::optional<TimePoint>> next_visible_at() = 0;

    // A generation that moves whenever a message is published, released or requeued in this
    // process. Read it before claim() and pass it to wait_for_work(), so a publish between an
    // empty claim and the wait is not slept through.
    virtual uint64_t work_generation() const = 0;
    // Blocks until the generation differs from `seen` or `timeout` passes (real time); returns
    // the current generation. A hint only: the caller claims again either way. Publishes from
    // other processes are seen at the latest after `timeout`.
    virtual uint64_t wait_for_work(uint64_t seen, std::chrono::milliseconds timeout) = 0;
};

}  // namespace imgpipe::queue
