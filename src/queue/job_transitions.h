#pragma once
// The JobStore's rules as pure functions on a Job: what submit, start, finish, fail,
// retry_later, reset and add_rendered do to a job in each state (job_store.h states them). Every
// implementation loads the job, applies one of these and saves the job in one atomic step (a
// SQLite transaction, a Redis WATCH/MULTI), so the rules are written once. A function that
// changes the job stamps `updated` with `now` and adds one to `version`; one that refuses
// leaves the job untouched.

#include <chrono>
#include <string>
#include <vector>

#include "queue/job_store.h"

namespace imgpipe::queue {

using TimePoint = std::chrono::system_clock::time_point;  // as in event_queue.h

// The pending job a first submission creates (version 1).
Job new_job(const JobSubmission& s, TimePoint now);

struct SubmitOutcome {
    bool current = false;  // `s` is now the job's creation (submit's result)
    bool changed = false;  // the job must be saved
};
// Supersedes the job when `s` is a later creation; a duplicate or earlier one changes nothing.
SubmitOutcome apply_submit(Job& job, const JobSubmission& s, TimePoint now);

// pending | processing → processing, attempts + 1. False (unchanged) for another creation or a
// done or failed job.
bool apply_start(Job& job, const std::string& sequencer, TimePoint now);

// processing → done / failed / pending. False (unchanged) for another creation or a job that is
// not processing.
bool apply_finish(Job& job, const std::string& sequencer, const OriginalInfo& original,
                  const std::vector<VariantResult>& variants, TimePoint now);
bool apply_fail(Job& job, const std::string& sequencer, const std::string& code,
                const std::string& message, const OriginalInfo& original, TimePoint now);
bool apply_retry_later(Job& job, const std::string& sequencer, const std::string& code,
                       const std::string& message, TimePoint now);

// Any state → pending for the same creation, attempts 0, error cleared.
void apply_reset(Job& job, TimePoint now);

// Records `v` in job.rendered (replacing the entry of the same name and key). False
// (unchanged) when an identical entry is there already.
bool apply_add_rendered(Job& job, const VariantResult& v, TimePoint now);

}  // namespace imgpipe::queue
