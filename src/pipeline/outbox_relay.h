#pragma once
// OutboxRelay: moves the local store's object events (EventOutbox) into the pipeline
// (EventIngress) in `seq` order. It runs on a thread of its own that wakes the moment the store
// commits an event (no polling delay), passes on whatever the outbox holds at start (events
// left by a crash), and retries with backoff while the queue or job store is unavailable — the
// events wait safely in the outbox meanwhile.
//
// An event leaves the outbox only once the queue has made it durable: the relay hands events
// on as they come, and at most every `sync_interval` (or every kSyncBatch events) it has the
// queue sync() and then deletes everything handed on before that. So a publish costs no disk
// flush of its own, and a power loss that takes the queue's last commits back finds their
// events still in the outbox. Handing an event on twice (after a restart) is harmless: the
// queue takes a message id once and the job store a creation once.
//
// Where events go is a RelayTarget: the pipeline of this data dir (its queue, through the
// EventIngress) by default, or the s3 role's notification targets (BucketNotifier), which is
// how an imgpipe store notifies other nodes as RGW or MinIO would.
//
// Thread-safe: start() and stop() from one owner thread; relay_once() when not started.

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "pipeline/event_ingress.h"
#include "store/event_outbox.h"

namespace imgpipe::pipeline {

// What the relay hands events to. Called from the relay's thread only.
class RelayTarget {
  public:
    virtual ~RelayTarget() = default;
    // Takes the records (in outbox order). An error (transient: IoError, Busy) makes the relay
    // offer the same batch again after a backoff, so taking a record twice must be harmless.
    virtual Status hand_on(const std::vector<S3EventRecord>& records) = 0;
    // Makes everything handed on so far durable; the relay then deletes it from the outbox.
    virtual Status sync() = 0;
};

class OutboxRelay {
  public:
    // Into the pipeline: the ingress records jobs and publishes to `queue`, which sync()s.
    // `region` goes into the records (awsRegion). The outbox, queue and ingress outlive the
    // relay.
    OutboxRelay(store::EventOutbox& outbox, queue::EventQueue& queue, EventIngress& ingress,
                std::string region,
                std::chrono::milliseconds sync_interval = std::chrono::milliseconds(1000));
    // Into any target; the outbox and the target outlive the relay.
    OutboxRelay(store::EventOutbox& outbox, RelayTarget& target, std::string region,
                std::chrono::milliseconds sync_interval = std::chrono::milliseconds(1000));
    ~OutboxRelay();  // stops

    void start();
    // Returns once the thread has ended (an ingest in progress finishes first). Idempotent.
    void stop();

    // Hands on every event the outbox holds now that was not handed on yet; returns how many.
    // With `sync` (or when the sync interval has passed), then makes them durable in the queue
    // and deletes them from the outbox. The thread's loop, callable directly by tests.
    Result<int> relay_once(bool sync = false);

  private:
    void run();
    // queue.sync(), then deletes what was handed on from the outbox.
    Status sync_and_trim();

    store::EventOutbox& outbox_;
    std::unique_ptr<RelayTarget> own_target_;  // the pipeline's, when built with queue+ingress
    RelayTarget& target_;
    const std::string region_;
    const std::chrono::milliseconds sync_interval_;
    int64_t handed_on_ = 0;  // the last seq passed to the ingress
    int64_t trimmed_ = 0;    // the last seq deleted from the outbox
    std::chrono::steady_clock::time_point last_sync_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// The S3 record of an outbox event: its seq as the sequencer.
S3EventRecord to_record(const store::ObjectEvent& event, const std::string& region);

}  // namespace imgpipe::pipeline
