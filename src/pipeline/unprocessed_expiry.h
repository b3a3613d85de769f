#pragma once
// UnprocessedExpiry: deletes uploads whose processing never started (issue 12, disk
// exhaustion). Anonymous presigned POSTs let anyone fill the source bucket faster than the
// workers drain it, or while no worker runs at all; with `upload.expire_unprocessed` set, an
// object in the source bucket that is older than that age and whose job never started (there is
// no job, or it is pending with no attempt since it was submitted or retried, for at least that
// age too) is deleted, its job with it. A job a worker has taken — running, done, failed, or
// pending for a retry after an attempt — keeps its object.
//
// Cheap by construction: each sweep_once() reads one page of the source bucket's listing (at
// most `batch` keys, resuming after the last key of the previous page and wrapping around at the
// end) and looks up the job of only those objects that are old enough, so one pass over N objects
// takes N / batch sweeps of bounded cost each. The thread runs one sweep per `interval`.
//
// The job goes first, then the object (as DELETE /images/{id} does): a worker that takes the job
// in between finds it gone and drops its work. Errors are logged and the sweep tried again at
// the next interval; nothing is lost by a missed sweep.
//
// Thread-safe: start() and stop() from one owner thread; sweep_once() when not started.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/result.h"
#include "pipeline/image_id.h"
#include "queue/job_store.h"
#include "store/object_store.h"

namespace imgpipe::pipeline {

struct ExpiryOptions {
    std::string bucket;               // the source bucket
    std::chrono::milliseconds age{};  // REQUIRES: > 0
    int batch = 1000;                 // keys per sweep, 1..1000
    std::chrono::milliseconds interval{10'000};
};

// What one sweep did.
struct ExpirySweep {
    int listed = 0;        // keys read from the listing
    int expired = 0;       // objects deleted
    bool wrapped = false;  // the listing reached its end: the next sweep starts from the first key
};

class UnprocessedExpiry {
  public:
    // The ports, `ids` and `clock` outlive this.
    UnprocessedExpiry(store::ObjectStore& store, queue::JobStore& jobs, const ImageIds& ids,
                      const Clock& clock, ExpiryOptions options);
    ~UnprocessedExpiry();  // stops

    void start();
    // Returns once the thread has ended (a sweep in progress finishes first). Idempotent.
    void stop();

    // One page of the listing, as described above. The thread's loop body, callable directly by
    // tests. Errors of the store or the job store (the page is read again next time).
    Result<ExpirySweep> sweep_once();

    // Objects deleted since construction (for metrics).
    uint64_t expired() const { return expired_.load(std::memory_order_relaxed); }

  private:
    void run();
    // Whether the object `info` names is old enough and its job never started.
    Result<bool> unprocessed(const store::ObjectInfo& info, const std::string& id) const;

    store::ObjectStore& store_;
    queue::JobStore& jobs_;
    const ImageIds& ids_;
    const Clock& clock_;
    const ExpiryOptions options_;
    std::string cursor_;  // the last key of the previous page ("" → from the first)
    std::atomic<uint64_t> expired_{0};
    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;  // GUARDED_BY(mu_)
    std::thread thread_;
};

}  // namespace imgpipe::pipeline
