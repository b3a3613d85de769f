#include <gtest/gtest.h>

#include "queue/job_store.h"

namespace imgpipe::queue {
namespace {

TEST(JobStateTest, NamesRoundTrip) {
    for (JobState s :
         {JobState::kPending, JobState::kProcessing, JobState::kDone, JobState::kFailed}) {
        EXPECT_EQ(parse_job_state(job_state_name(s)), s);
    }
    EXPECT_EQ(job_state_name(JobState::kProcessing), "processing");
}

TEST(JobStateTest, UnknownNamesAreRejected) {
    EXPECT_EQ(parse_job_state(""), std::nullopt);
    EXPECT_EQ(parse_job_state("Pending"), std::nullopt);
    EXPECT_EQ(parse_job_state("running"), std::nullopt);
}

TEST(JobStateTest, OnlyDoneAndFailedAreTerminal) {
    EXPECT_FALSE(is_terminal(JobState::kPending));
    EXPECT_FALSE(is_terminal(JobState::kProcessing));
    EXPECT_TRUE(is_terminal(JobState::kDone));
    EXPECT_TRUE(is_terminal(JobState::kFailed));
}

}  // namespace
}  // namespace imgpipe::queue
