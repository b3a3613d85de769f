#pragma once
// WorkerPool: `threads` threads that each claim one queue message at a time, run its job
// (JobRunner) and ack it (with the next claim), or release it for a retry after the runner's
// backoff. The queue holds the backlog, durably, so a burst of uploads costs no memory here: at
// most `threads` images are in memory at once (the backpressure), the rest wait in the queue.
// An idle worker sleeps until something is published or a retry or lease falls due. A worker
// that dies mid-job (the process is killed) loses nothing: the lease runs out and the message
// is delivered again. Leases are short and renewed: a heartbeat thread extends the lease of
// every running job each third of a lease, so a crashed worker's jobs come back within one
// lease however long jobs may take.
//
// Thread-safe: start() and stop() from one owner thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "pipeline/job_runner.h"
#include "queue/event_queue.h"

namespace imgpipe::pipeline {

// What a worker reports after each job it ran (for metrics), on the worker thread: keep it cheap.
struct JobRecord {
    RunResult::Outcome outcome;
    std::chrono::steady_clock::duration busy;        // this run
    std::chrono::system_clock::time_point created;   // the object's creation (the event's time)
    std::chrono::system_clock::time_point finished;  // the clock's now() after the run
};
using JobObserver = std::function<void(const JobRecord&)>;

struct WorkerOptions {
    // Jobs at once. Twice the runner's CPU slots: half of them read originals or wait for the
    // disk to take variants while the others use the cores.
    int threads = 4;
    // How long a claim holds a message without a heartbeat before it is delivered again.
    std::chrono::milliseconds lease{30'000};
    JobObserver observer;  // may be null
};

class WorkerPool {
  public:
    // The queue, runner and clock outlive the pool.
    WorkerPool(queue::EventQueue& queue, JobRunner& runner, const Clock& clock,
               WorkerOptions options);
    ~WorkerPool();  // stops

    void start();
    // Stops claiming and returns once every running job has finished (each bounded by the job
    // timeout). Idempotent.
    void stop();
    // Stops claiming and waits up to `grace` for the running jobs. Returns true if they all
    // ended (the pool is stopped, as by stop()). Otherwise hands the messages of those still
    // running back to the queue, visible at once, so the next start runs them, and returns
    // false: their threads still run, and the caller must end the process without destroying
    // the pool or what its jobs use (a job's work is idempotent, so it is safe to cut short).
    bool stop_within(std::chrono::milliseconds grace);

    // Claims and runs one message if one is visible, and settles it; returns whether it did.
    // The threads' loop body, callable directly by tests.
    Result<bool> work_once();

    // Threads running a job now, and the number of threads.
    int busy() const { return busy_.load(std::memory_order_relaxed); }
    int threads() const { return options_.threads; }

  private:
    void run();
    // work_once() that leaves an ack-type outcome's message in `to_ack` and first acks what is
    // there, with the claim (EventQueue::ack_and_claim).
    Result<bool> work_once(std::optional<queue::QueueMessage>& to_ack);
    // Claims the next message, acking `to_ack` (if any, then emptied) in the same call.
    Result<std::optional<queue::QueueMessage>> claim_acking(
        std::optional<queue::QueueMessage>& to_ack);
    void ack_now(const std::optional<queue::QueueMessage>& to_ack);
    static void log_unsettled(const queue::QueueMessage& message, const Status& settled);
    // Extends the leases of the running jobs every third of a lease until stop_heartbeat().
    void heartbeat();
    void stop_heartbeat();
    // Sleeps until work may be there: a publish in this process since generation `seen`, the
    // next retry or lease expiry, or at most a second (publishes from other processes, stop()).
    void idle_wait(uint64_t seen);

    queue::EventQueue& queue_;
    JobRunner& runner_;
    const Clock& clock_;
    const WorkerOptions options_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> busy_{0};

    std::vector<std::thread> threads_;
    std::thread heartbeat_;
    std::mutex inflight_mu_;
    std::condition_variable heartbeat_cv_;  // wakes the heartbeat to stop
    bool heartbeat_stopping_ = false;       // GUARDED_BY(inflight_mu_)
    int running_threads_ = 0;  // of threads_, those not out of run(); GUARDED_BY(inflight_mu_)
    std::condition_variable threads_done_cv_;  // signalled as each thread leaves run()
    // The running jobs' messages by lease (a message re-claimed here has a new one).
    std::map<std::string, queue::QueueMessage> inflight_;  // GUARDED_BY(inflight_mu_)
};

}  // namespace imgpipe::pipeline
