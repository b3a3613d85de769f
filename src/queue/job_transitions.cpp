#include "queue/job_transitions.h"

#include <algorithm>

#include "queue/sequencer.h"

namespace imgpipe::queue {
namespace {

void touch(Job& job, TimePoint now) {
    job.updated = now;
    ++job.version;
}

bool same_creation(const Job& job, const std::string& sequencer) {
    return compare_sequencers(job.sequencer, sequencer) == 0;
}

bool is_processing_for(const Job& job, const std::string& sequencer) {
    return job.state == JobState::kProcessing && same_creation(job, sequencer);
}

}  // namespace

Job new_job(const JobSubmission& s, TimePoint now) {
    Job job;
    job.id = s.id;
    job.bucket = s.bucket;
    job.key = s.key;
    job.etag = s.etag;
    job.size = s.size;
    job.sequencer = s.sequencer;
    job.event = s.event;
    job.created = now;
    job.updated = now;
    job.version = 1;
    return job;
}

SubmitOutcome apply_submit(Job& job, const JobSubmission& s, TimePoint now) {
    int order = compare_sequencers(s.sequencer, job.sequencer);
    if (order < 0) return {false, false};
    // The same creation again: the outbox relay or the store re-sent the event.
    if (order == 0) return {true, false};
    // An overwrite: the job starts over for the new creation, keeping when it was first seen
    // and its version line (so a watcher sees the change).
    Job next = new_job(s, now);
    next.created = job.created;
    // Rendered variants live under the same key templates: still to delete with the image, and
    // re-rendered (and re-recorded) for the new original on their next request.
    next.rendered = std::move(job.rendered);
    next.version = job.version + 1;
    job = std::move(next);
    return {true, true};
}

bool apply_start(Job& job, const std::string& sequencer, TimePoint now) {
    if (is_terminal(job.state) || !same_creation(job, sequencer)) return false;
    job.state = JobState::kProcessing;
    ++job.attempts;
    touch(job, now);
    return true;
}

bool apply_finish(Job& job, const std::string& sequencer, const OriginalInfo& original,
                  const std::vector<VariantResult>& variants, TimePoint now) {
    if (!is_processing_for(job, sequencer)) return false;
    job.state = JobState::kDone;
    job.error_code.clear();  // an earlier attempt's error is not the outcome
    job.error_message.clear();
    job.original = original;
    job.variants = variants;
    touch(job, now);
    return true;
}

bool apply_fail(Job& job, const std::string& sequencer, const std::string& code,
                const std::string& message, const OriginalInfo& original, TimePoint now) {
    if (!is_processing_for(job, sequencer)) return false;
    job.state = JobState::kFailed;
    job.error_code = code;
    job.error_message = message;
    job.original = original;
    touch(job, now);
    return true;
}

bool apply_retry_later(Job& job, const std::string& sequencer, const std::string& code,
                       const std::string& message, TimePoint now) {
    if (!is_processing_for(job, sequencer)) return false;
    job.state = JobState::kPending;
    job.error_code = code;
    job.error_message = message;
    touch(job, now);
    return true;
}

void apply_reset(Job& job, TimePoint now) {
    job.state = JobState::kPending;
    job.attempts = 0;
    job.error_code.clear();
    job.error_message.clear();
    touch(job, now);
}

bool apply_add_rendered(Job& job, const VariantResult& v, TimePoint now) {
    auto same = std::find_if(job.rendered.begin(), job.rendered.end(),
                             [&](const auto& r) { return r.name == v.name && r.key == v.key; });
    if (same == job.rendered.end()) {
        job.rendered.push_back(v);
    } else if (*same == v) {
        return false;
    } else {
        *same = v;
    }
    touch(job, now);
    return true;
}

}  // namespace imgpipe::queue
