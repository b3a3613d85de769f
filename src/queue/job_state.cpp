#include "queue/job_store.h"

namespace imgpipe::queue {

std::string_view job_state_name(JobState state) {
    switch (state) {
        case JobState::kPending:
            return "pending";
        case JobState::kProcessing:
            return "processing";
        case JobState::kDone:
            return "done";
        case JobState::kFailed:
            return "failed";
    }
    return "pending";  // unreachable: every enumerator is handled above
}

std::optional<JobState> parse_job_state(std::string_view name) {
    for (JobState s :
         {JobState::kPending, JobState::kProcessing, JobState::kDone, JobState::kFailed}) {
        if (job_state_name(s) == name) return s;
    }
    return std::nullopt;
}

}  // namespace imgpipe::queue
