#include "pipeline/outbox_relay.h"

#include <algorithm>

#include "core/log.h"
#include "core/thread_name.h"

namespace imgpipe::pipeline {
namespace {

constexpr int kBatch = 256;
// Events handed on without a sync before one is made regardless of the interval, so a burst
// of uploads keeps the outbox small.
constexpr int64_t kSyncBatch = 4096;
// The longest the thread sleeps without a commit to wake it: how soon it notices a stop and
// events committed by another process sharing the data dir.
constexpr std::chrono::milliseconds kIdleWait{1000};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

// The pipeline of this data dir: jobs and queue messages, made durable by the queue's sync.
class PipelineTarget final : public RelayTarget {
  public:
    PipelineTarget(queue::EventQueue& queue, EventIngress& ingress)
        : queue_(queue), ingress_(ingress) {}
    Status hand_on(const std::vector<S3EventRecord>& records) override {
        return ingress_.ingest(records).status();
    }
    Status sync() override { return queue_.sync(); }

  private:
    queue::EventQueue& queue_;
    EventIngress& ingress_;
};

}  // namespace

S3EventRecord to_record(const store::ObjectEvent& event, const std::string& region) {
    S3EventRecord r;
    r.event_name = event.event_name;
    r.region = region;
    r.time = event.time;
    r.bucket = event.bucket;
    r.key = event.key;
    r.size = event.size;
    r.etag = event.etag;
    r.sequencer = local_sequencer(event.seq);
    return r;
}

OutboxRelay::OutboxRelay(store::EventOutbox& outbox, queue::EventQueue& queue,
                         EventIngress& ingress, std::string region,
                         std::chrono::milliseconds sync_interval)
    : outbox_(outbox),
      own_target_(std::make_unique<PipelineTarget>(queue, ingress)),
      target_(*own_target_),
      region_(std::move(region)),
      sync_interval_(sync_interval),
      last_sync_(std::chrono::steady_clock::now()) {}

OutboxRelay::OutboxRelay(store::EventOutbox& outbox, RelayTarget& target, std::string region,
                         std::chrono::milliseconds sync_interval)
    : outbox_(outbox),
      target_(target),
      region_(std::move(region)),
      sync_interval_(sync_interval),
      last_sync_(std::chrono::steady_clock::now()) {}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
    thread_ = std::thread([this] {
        name_this_thread("outbox-relay");
        run();
    });
}

void OutboxRelay::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

Result<int> OutboxRelay::relay_once(bool sync) {
    int moved = 0;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(auto events, outbox_.read_events(handed_on_, kBatch));
        if (events.empty()) break;
        std::vector<S3EventRecord> records;
        records.reserve(events.size());
        for (const auto& e : events) records.push_back(to_record(e, region_));
        IMGPIPE_RETURN_IF_ERROR(target_.hand_on(records));
        handed_on_ = events.back().seq;
        moved += static_cast<int>(events.size());
        if (events.size() < static_cast<size_t>(kBatch)) break;
    }
    const bool due = std::chrono::steady_clock::now() - last_sync_ >= sync_interval_ ||
                     handed_on_ - trimmed_ >= kSyncBatch;
    if (handed_on_ > trimmed_ && (sync || due)) IMGPIPE_RETURN_IF_ERROR(sync_and_trim());
    return moved;
}

Status OutboxRelay::sync_and_trim() {
    IMGPIPE_RETURN_IF_ERROR(target_.sync());
    IMGPIPE_RETURN_IF_ERROR(outbox_.delete_events_through(handed_on_));
    trimmed_ = handed_on_;
    last_sync_ = std::chrono::steady_clock::now();
    return Status::ok();
}

void OutboxRelay::run() {
    std::chrono::milliseconds backoff{50};
    uint64_t seen = outbox_.event_generation();
    while (!stopping_) {
        auto moved = relay_once();
        if (!moved.is_ok()) {
            log::warn("outbox relay: will retry",
                      {{"error", moved.status().to_string()}, {"retry_ms", backoff.count()}});
            // A new commit ends the wait early: it is worth trying again for.
            seen = outbox_.wait_for_events(outbox_.event_generation(), backoff);
            backoff = std::min(backoff * 2, kMaxBackoff);
            continue;
        }
        backoff = std::chrono::milliseconds{50};
        // Sleeps until the next commit, or until the handed-on events are due to be synced.
        auto wait = handed_on_ > trimmed_ ? std::min(kIdleWait, sync_interval_) : kIdleWait;
        seen = outbox_.wait_for_events(seen, wait);
    }
    // What was handed on is made durable before the process goes.
    if (handed_on_ > trimmed_) {
        if (Status st = sync_and_trim(); !st.is_ok()) {
            log::warn("outbox relay: final sync", {{"error", st.to_string()}});
        }
    }
}

}  // namespace imgpipe::pipeline
