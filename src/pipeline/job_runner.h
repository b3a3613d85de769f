#pragma once
// JobRunner: one resize job, start to finish — the seed's three parallel Lambdas as one
// function. For the object of an S3 record it: takes the job (JobStore::start; a superseded or
// already finished creation is skipped), reads the variants to make from the object's
// `x-amz-meta-variants` (else the configured defaults), reads the original through the
// ObjectStore port, has the ImageProcessor decode it once and make every variant, stores each
// in the destination bucket under the output key template with its Content-Type and
// Cache-Control, queues the webhooks, and records the outcome. Faults are sorted by
// job_errors.h: permanent ones fail the job at once, transient ones ask for a retry after an
// exponential backoff with jitter, until `max_attempts`. Outputs are deterministic, so a rerun
// (a redelivery after a crash) overwrites each variant with identical bytes.
//
// A run whose upload was overwritten meanwhile stores nothing once it notices, and a newer job
// its variants may have overwritten runs again. Thread-safe: one runner serves every worker
// thread.

#include <chrono>
#include <semaphore>
#include <string>

#include "core/clock.h"
#include "imaging/image_processor.h"
#include "imaging/resize_spec.h"
#include "pipeline/image_id.h"
#include "pipeline/s3_event.h"
#include "pipeline/webhook_dispatcher.h"
#include "queue/event_queue.h"
#include "queue/job_store.h"
#include "store/object_store.h"

namespace imgpipe::pipeline {

struct JobOptions {
    std::string dest_bucket = "resized";
    // Placeholders: {name} (the variant's name, "WxH" unless the client named it), {width},
    // {height}, {format}, {key} (the original's key), {id} (the image id).
    std::string output_key_template = "resized-{name}/{key}";
    imaging::ResizeSpec default_spec = imaging::default_resize_spec();
    imaging::SpecLimits spec_limits;
    imaging::Limits image_limits;
    uint64_t max_source_bytes = 256ull << 20;
    // Images decoded and resized at once (worker.concurrency). The rest of a job — reading the
    // original, storing the variants, mostly waits on the disk — runs outside this limit, so a
    // pool with more threads than this keeps the cores busy while others wait for an fsync.
    int cpu_slots = 2;
    std::chrono::milliseconds job_timeout{60'000};
    std::string cache_control = "public, max-age=86400";
    int max_attempts = 5;
    std::chrono::milliseconds initial_backoff{1'000};
    std::chrono::milliseconds max_backoff{60'000};
};

// Expands the template for one variant. Pure.
std::string output_key(const std::string& key_template, const imaging::VariantSpec& variant,
                       const std::string& source_key, const std::string& image_id);

// "Bad template" message, or "" when usable: it must name {key} or {id} (else every image
// writes the same keys) and {name} (the one placeholder unique per variant).
std::string check_output_key_template(const std::string& key_template);

struct RunResult {
    enum Outcome {
        kDone,     // every variant stored
        kFailed,   // permanently; the job says why
        kRetry,    // a transient fault: deliver again after `retry_after`
        kDead,     // failed after max_attempts: the message goes to the dead letters
        kSkipped,  // a duplicate, superseded or deleted job; nothing (more) to do
    } outcome = kSkipped;
    std::chrono::milliseconds retry_after{0};
    std::string error_code;  // kFailed / kRetry / kDead
};

// What a runner works with. Every reference outlives the runner.
struct RunnerPorts {
    store::ObjectStore& store;
    const imaging::ImageProcessor& processor;  // measures deadlines on `clock`
    queue::JobStore& jobs;
    queue::EventQueue& queue;  // for a rerun when a stale run overwrote a newer one's outputs
    const ImageIds& ids;
    WebhookDispatcher* webhooks;  // null: no URLs configured
    const Clock& clock;
};

class JobRunner {
  public:
    JobRunner(RunnerPorts ports, JobOptions options);

    // Runs the job of `record` for the `attempt`-th time (the queue's delivery count). An attempt
    // past max_attempts (the earlier ones all crashed or timed out) fails the job at once.
    // `published`: when the event entered the queue (logged as the job's wait).
    RunResult run(const S3EventRecord& record, int attempt,
                  std::chrono::system_clock::time_point published);

    const JobOptions& options() const { return options_; }

  private:
    struct Made;  // what the processing step produced
    Result<Made> make_variants(const queue::Job& job, const std::string& image_id);
    // After a finish that found a later creation owning the job.
    void rerun_if_overwritten(const queue::Job& stale);
    RunResult retry_or_fail(const queue::Job& job, const Status& error, int attempt);
    RunResult fail(const queue::Job& job, const std::string& code, const Status& detail,
                   const queue::OriginalInfo& original);
    std::chrono::milliseconds backoff(int attempt) const;
    // Queues webhooks (none configured: nothing to do).
    Status notify(const std::vector<WebhookEvent>& events);

    store::ObjectStore& store_;
    const imaging::ImageProcessor& processor_;
    queue::JobStore& jobs_;
    queue::EventQueue& queue_;
    const ImageIds& ids_;
    WebhookDispatcher* webhooks_;
    const Clock& clock_;
    const JobOptions options_;
    std::counting_semaphore<> cpu_slots_;
};

}  // namespace imgpipe::pipeline
