#pragma once
// JobStore: the port that keeps each image's resize job and its outcome — state
// (pending → processing → done | failed), attempts, the last error, the original's size and
// format, every variant made at upload and every variant rendered on request since.
// Implementations: SqliteJobStore (src/queue/sqlite, `pipeline.db` in the data dir) and, for
// scale-out, a Redis one. One contract suite (job_store_contract.h) runs against every
// implementation.
//
// A job is keyed by the image id (pipeline/image_id.h) and belongs to one creation of its
// object, named by the S3 event `sequencer`: a later creation of the same key (an overwrite)
// submits a greater sequencer and supersedes the job — it starts over as pending, and whatever
// a worker still does for the old creation is ignored (start/finish/fail/retry_later with a stale
// sequencer change nothing and return false). Sequencers compare as S3 says: hex strings, the
// shorter right-padded with zeros.
//
// Every change bumps the job's `version` and the job's change generation, so the status API's
// server-sent events can wait for their job's changes instead of polling (wait_for_change; in
// the SQLite store, changes made by other processes are seen when the wait's timeout passes).
// Thread-safe; several processes may share one store.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace imgpipe::queue {

enum class JobState { kPending, kProcessing, kDone, kFailed };

// "pending", "processing", "done", "failed".
std::string_view job_state_name(JobState state);
std::optional<JobState> parse_job_state(std::string_view name);
inline bool is_terminal(JobState s) { return s == JobState::kDone || s == JobState::kFailed; }

struct VariantResult {
    std::string name;  // "400x400"
    std::string bucket;
    std::string key;
    int width = 0;
    int height = 0;
    uint64_t bytes = 0;
    std::string format;        // "jpeg", "webp", ...
    std::string content_type;  // "image/jpeg"
    // The stored object's ETag (unquoted MD5 hex): names this exact content in the delivery
    // URL /i/{id}/{name}@{etag}. Empty for jobs recorded before it was kept.
    std::string etag;
    int frames = 1;  // of an animated GIF / WebP
    // "" or why the variant is less than asked for: imaging::kAnimationOverBudget (an animated
    // GIF / WebP over the worker's budget, made of its first frame only).
    std::string note;
    friend bool operator==(const VariantResult&, const VariantResult&) = default;
};

// The source image as the worker found it (zeros / empty until a worker has read its header).
struct OriginalInfo {
    uint64_t bytes = 0;
    int width = 0;  // upright, after EXIF orientation
    int height = 0;
    std::string format;
    // The placeholder a page shows until a variant loads (imaging/placeholder.h): base64url
    // ThumbHash bytes and "#rrggbb"; empty when none was made.
    std::string thumbhash;
    std::string dominant_color;
    friend bool operator==(const OriginalInfo&, const OriginalInfo&) = default;
};

// What a new object-created event asks for.
struct JobSubmission {
    std::string id;
    std::string bucket;
    std::string key;
    std::string etag;
    uint64_t size = 0;
    std::string sequencer;  // S3's: hex, greater = later creation of the same key
    std::string event;      // the S3 event notification JSON it came from (republished on retry)
};

struct Job {
    std::string id;
    std::string bucket;
    std::string key;
    std::string etag;
    uint64_t size = 0;
    std::string sequencer;
    std::string event;
    JobState state = JobState::kPending;
    int attempts = 0;  // times a worker started it since it was submitted or retried
    // The last failure: set when failed, kept as "last error" while pending for a retry;
    // cleared on submit, finish and reset. `error_code` is a stable name ("CorruptImage").
    std::string error_code;
    std::string error_message;
    OriginalInfo original;
    std::vector<VariantResult> variants;  // set when done, in the order they were requested
    // Variants rendered on request (delivery's signed sizes and presets) and stored in the
    // destination bucket, in the order first recorded: one entry per name+key. Kept apart from
    // `variants` (what the upload asked for) and kept across supersede, reset and finish, since
    // their keys still hold objects that deleting the image must remove.
    std::vector<VariantResult> rendered;
    std::chrono::system_clock::time_point created;  // first submitted
    std::chrono::system_clock::time_point updated;  // last change
    int64_t version = 0;                            // +1 on every change
};

struct JobCounts {
    int64_t pending = 0;
    int64_t processing = 0;
    int64_t done = 0;
    int64_t failed = 0;
};

// Status reasons of the job store (plus the implementation's IoError / Busy / DiskFull).
inline constexpr const char* kNoSuchJob = "NoSuchJob";  // kNotFound

class JobStore {
  public:
    virtual ~JobStore() = default;

    // Records the job for a new object-created event: a new id is inserted as pending; an id
    // whose job has a smaller sequencer is reset to pending for this creation (attempts 0, error,
    // original and variants cleared, `rendered` kept). Returns true when `s` is now the job's
    // creation (also when it already was: a duplicate event changes nothing), false when the job
    // already belongs to a later creation. REQUIRES: s.id, s.sequencer non-empty.
    virtual Result<bool> submit(const JobSubmission& s) = 0;

    // A worker takes the job for creation `sequencer`: pending or processing (a previous worker
    // died) → processing, attempts + 1; returns the job after the change. nullopt when the job
    // belongs to another creation or is already done or failed (a duplicate delivery).
    // NoSuchJob.
    virtual Result<std::optional<Job>> start(const std::string& id,
                                             const std::string& sequencer) = 0;

    // processing → done with the original's info and the variants, the last error cleared.
    // false (no change) when the
    // job belongs to another creation or is not processing. NoSuchJob.
    virtual Result<bool> finish(const std::string& id, const std::string& sequencer,
                                const OriginalInfo& original,
                                const std::vector<VariantResult>& variants) = 0;

    // processing → failed with a reason. `original` may be partly known (or empty). false as
    // finish. NoSuchJob.
    virtual Result<bool> fail(const std::string& id, const std::string& sequencer,
                              const std::string& code, const std::string& message,
                              const OriginalInfo& original) = 0;

    // processing → pending after a transient fault, keeping the error as the last error (a retry
    // follows). false as finish. NoSuchJob.
    virtual Result<bool> retry_later(const std::string& id, const std::string& sequencer,
                                     const std::string& code, const std::string& message) = 0;

    // Any state → pending for the same creation, attempts 0, error cleared: an operator's
    // retry. Returns the job after the change (its `event` is to be published again). NoSuchJob.
    virtual Result<Job> reset(const std::string& id) = 0;

    // Records a variant rendered on request in `rendered`: replaces the entry of the same name
    // and key (a re-render after the original was replaced), else appends one. Any state, any
    // creation. Returns true when the list changed (version + 1, as every change), false when an
    // identical entry was already there (nothing written). NoSuchJob when the job is gone: the
    // caller then deletes the object it stored, which no job would name.
    virtual Result<bool> add_rendered(const std::string& id, const VariantResult& v) = 0;

    // NoSuchJob.
    virtual Result<Job> get(const std::string& id) = 0;
    // Jobs in `state` (all when nullopt), most recently updated first, at most `limit`.
    virtual Result<std::vector<Job>> list(std::optional<JobState> state, int limit) = 0;
    virtual Result<JobCounts> counts() = 0;
    // Forgets the job and returns it as it was at that moment, so that the caller deletes every
    // object it named by then (a variant a worker or a render recorded after the caller's own
    // read is in it); nullopt when it did not exist, or could not be read (CorruptJobRow: it is
    // removed all the same, since nothing else could remove it).
    virtual Result<std::optional<Job>> remove(const std::string& id) = 0;

    // Job `id`'s change generation: it moves whenever that job changes in this process (and,
    // where the store can hear them, in the others that share it, from the first call on). It
    // never fails to move for this job, and moves for few others: ids hash into slots
    // (KeyedChangeSignal), and only jobs in the same slot share a generation.
    virtual uint64_t change_generation(const std::string& id) = 0;
    // Waits until job `id`'s generation differs from `seen` or `timeout` passes (real time);
    // returns the current generation. A hint: the caller re-reads the job either way.
    virtual uint64_t wait_for_change(const std::string& id, uint64_t seen,
                                     std::chrono::milliseconds timeout) = 0;
};

}  // namespace imgpipe::queue
