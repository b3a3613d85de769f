#include "pipeline/worker_pool.h"

#include <algorithm>
#include <utility>

#include "core/log.h"
#include "core/thread_name.h"
#include "pipeline/s3_event.h"

namespace imgpipe::pipeline {
namespace {

constexpr std::chrono::milliseconds kMaxIdleWait{1000};

}  // namespace

WorkerPool::WorkerPool(queue::EventQueue& queue, JobRunner& runner, const Clock& clock,
                       WorkerOptions options)
    : queue_(queue), runner_(runner), clock_(clock), options_(std::move(options)) {}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
    {
        std::lock_guard lock(inflight_mu_);
        running_threads_ = options_.threads;
    }
    for (int i = 0; i < options_.threads; ++i) {
        threads_.emplace_back([this] {
            name_this_thread("worker");
            run();
            std::lock_guard lock(inflight_mu_);
            --running_threads_;
            threads_done_cv_.notify_all();
        });
    }
    heartbeat_ = std::thread([this] {
        name_this_thread("worker-leases");
        heartbeat();
    });
}

void WorkerPool::stop() {
    stopping_ = true;
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
    stop_heartbeat();  // only now: the jobs that were running kept their leases until they ended
}

bool WorkerPool::stop_within(std::chrono::milliseconds grace) {
    stopping_ = true;
    std::vector<queue::QueueMessage> cut;
    {
        std::unique_lock lock(inflight_mu_);
        if (!threads_done_cv_.wait_for(lock, grace, [this] { return running_threads_ == 0; })) {
            for (const auto& [lease, message] : inflight_) cut.push_back(message);
        }
    }
    if (cut.empty()) {
        stop();
        return true;
    }
    stop_heartbeat();
    for (const auto& message : cut) {
        // Visible at once: the next start (or another process's workers) runs it again.
        Status st = queue_.release(message, std::chrono::milliseconds(0), "Drained");
        log::warn("job cut short by the drain timeout, handed back to the queue",
                  {{"message_id", message.id}, {"error", st.is_ok() ? "" : st.to_string()}});
    }
    for (auto& t : threads_) t.detach();
    threads_.clear();
    return false;
}

void WorkerPool::stop_heartbeat() {
    {
        std::lock_guard lock(inflight_mu_);
        heartbeat_stopping_ = true;
    }
    heartbeat_cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
}

void WorkerPool::heartbeat() {
    std::unique_lock lock(inflight_mu_);
    while (!heartbeat_stopping_) {
        heartbeat_cv_.wait_for(lock, options_.lease / 3, [this] { return heartbeat_stopping_; });
        std::vector<queue::QueueMessage> running;
        for (const auto& [id, message] : inflight_) running.push_back(message);
        lock.unlock();
        for (const auto& message : running) {
            // A failure here only risks a second delivery, which the job store turns away.
            if (Status st = queue_.extend(message, options_.lease); !st.is_ok()) {
                log::warn("lease not extended",
                          {{"message_id", message.id}, {"error", st.to_string()}});
            }
        }
        lock.lock();
    }
}

Result<bool> WorkerPool::work_once() {
    std::optional<queue::QueueMessage> to_ack;
    auto worked = work_once(to_ack);
    ack_now(to_ack);
    return worked;
}

void WorkerPool::ack_now(const std::optional<queue::QueueMessage>& to_ack) {
    if (to_ack) log_unsettled(*to_ack, queue_.ack(*to_ack));
}

Result<std::optional<queue::QueueMessage>> WorkerPool::claim_acking(
    std::optional<queue::QueueMessage>& to_ack) {
    if (!to_ack) return queue_.claim(options_.lease);
    auto both = queue_.ack_and_claim(*to_ack, options_.lease);
    log_unsettled(*to_ack, both.acked);
    to_ack.reset();
    return std::move(both.next);
}

Result<bool> WorkerPool::work_once(std::optional<queue::QueueMessage>& to_ack) {
    IMGPIPE_ASSIGN_OR_RETURN(auto claimed, claim_acking(to_ack));
    if (!claimed) return false;
    const queue::QueueMessage& message = *claimed;

    auto records = parse_s3_event(message.body);
    if (!records.is_ok() || records->size() != 1) {
        // Only the ingress publishes, one record per message: this cannot get better by retrying.
        // (Acked with the next claim, like a finished job; an ack that fails is only logged.)
        log::error("unreadable queue message dropped",
                   {{"message_id", message.id},
                    {"error", records.is_ok() ? "not one record" : records.status().to_string()}});
        to_ack = message;
        return true;
    }
    {
        std::lock_guard lock(inflight_mu_);
        inflight_[message.lease] = message;
    }
    busy_.fetch_add(1, std::memory_order_relaxed);
    const auto started = clock_.steady_now();
    RunResult result = runner_.run(records->front(), message.deliveries, message.published);
    busy_.fetch_sub(1, std::memory_order_relaxed);
    if (options_.observer) {
        options_.observer(JobRecord{result.outcome, clock_.steady_now() - started,
                                    records->front().time, clock_.now()});
    }
    {
        std::lock_guard lock(inflight_mu_);
        inflight_.erase(message.lease);
    }
    switch (result.outcome) {
        case RunResult::kRetry:
            log_unsettled(message, queue_.release(message, result.retry_after, result.error_code));
            break;
        case RunResult::kDead:
            log_unsettled(message, queue_.bury(message, result.error_code));
            break;
        case RunResult::kDone:
        case RunResult::kFailed:
        case RunResult::kSkipped:
            to_ack = message;  // with the next claim
            break;
    }
    return true;
}

void WorkerPool::log_unsettled(const queue::QueueMessage& message, const Status& settled) {
    if (settled.is_ok()) return;
    // LeaseLost: the job outran its lease and another worker has it now; IoError: the lease
    // runs out and the message comes back, which the job store turns away. Nothing is lost.
    log::warn("queue message not settled",
              {{"message_id", message.id}, {"error", settled.to_string()}});
}

void WorkerPool::run() {
    // A finished job's ack goes with the next claim: one round trip to a networked queue
    // instead of two. The next claim follows at once, so the ack is not held back.
    std::optional<queue::QueueMessage> to_ack;
    while (!stopping_) {
        uint64_t seen = queue_.work_generation();
        auto worked = work_once(to_ack);
        if (!worked.is_ok()) {
            log::warn("worker: queue unavailable", {{"error", worked.status().to_string()}});
            queue_.wait_for_work(queue_.work_generation(), kMaxIdleWait);
        } else if (!*worked) {
            idle_wait(seen);
        }
    }
    ack_now(to_ack);
}

void WorkerPool::idle_wait(uint64_t seen) {
    auto wait = kMaxIdleWait;
    if (auto next = queue_.next_visible_at(); next.is_ok() && next->has_value()) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(**next - clock_.now());
        wait = std::clamp(until, std::chrono::milliseconds(1), kMaxIdleWait);
    }
    queue_.wait_for_work(seen, wait);
}

}  // namespace imgpipe::pipeline
