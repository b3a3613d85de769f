#pragma once
// JobStore contract: submit (new, duplicate, later and earlier creations), start, finish,
// fail, retry_later and reset, with stale sequencers and NoSuchJob. Part of the suite in
// job_store_contract.h.

#include "queue/job_store_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(JobStoreContractTest, SubmitRecordsAPendingJob) {
    JobSubmission s = submission("img1", "0055AED6DCD90281E5");
    s.key = "photos/caf\u00e9 \u732b.jpg";
    s.size = 5ull << 30;  // over 32 bits
    s.event = "{\"Records\":[" + std::string(2000, ' ') + "]}";
    EXPECT_TRUE(submit(s));
    Job job = get("img1");
    EXPECT_EQ(job.id, "img1");
    EXPECT_EQ(job.bucket, s.bucket);
    EXPECT_EQ(job.key, s.key);
    EXPECT_EQ(job.etag, s.etag);
    EXPECT_EQ(job.size, s.size);
    EXPECT_EQ(job.sequencer, s.sequencer);
    EXPECT_EQ(job.event, s.event);
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.attempts, 0);
    EXPECT_EQ(job.error_code, "");
    EXPECT_EQ(job.error_message, "");
    EXPECT_EQ(job.original, OriginalInfo{});
    EXPECT_TRUE(job.variants.empty());
    EXPECT_EQ(job.created, now());
    EXPECT_EQ(job.updated, now());
    EXPECT_GT(job.version, 0);
}

TEST_P(JobStoreContractTest, DuplicateSubmitChangesNothing) {
    add("img", "0A");
    Job before = get("img");
    clock_.advance(1s);
    EXPECT_TRUE(submit(submission("img", "0A")));
    // The same creation written longer or in another case.
    EXPECT_TRUE(submit(submission("img", "0a00")));
    Job after = get("img");
    EXPECT_EQ(after.version, before.version);
    EXPECT_EQ(after.updated, before.updated);
    EXPECT_EQ(after.sequencer, "0A");
    EXPECT_EQ(after.etag, before.etag);
}

TEST_P(JobStoreContractTest, LaterCreationSupersedesTheJob) {
    add("img", "0A");
    const auto created = now();
    ASSERT_TRUE(start("img", "0A"));
    ASSERT_TRUE(fail("img", "0A"));
    const int64_t version = get("img").version;
    clock_.advance(1s);

    JobSubmission later = submission("img", "0A01");  // longer, and later
    later.size = 2000;
    EXPECT_TRUE(submit(later));
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.sequencer, "0A01");
    EXPECT_EQ(job.etag, later.etag);
    EXPECT_EQ(job.size, 2000u);
    EXPECT_EQ(job.event, later.event);
    EXPECT_EQ(job.attempts, 0);
    EXPECT_EQ(job.error_code, "");
    EXPECT_EQ(job.error_message, "");
    EXPECT_EQ(job.original, OriginalInfo{});
    EXPECT_TRUE(job.variants.empty());
    EXPECT_EQ(job.created, created);
    EXPECT_EQ(job.updated, now());
    EXPECT_EQ(job.version, version + 1);

    // Whatever the old creation's worker still does is ignored.
    EXPECT_EQ(start("img", "0A"), std::nullopt);
    EXPECT_FALSE(finish("img", "0A"));
    EXPECT_EQ(get("img").version, version + 1);
}

TEST_P(JobStoreContractTest, SupersedingADoneJobClearsItsResults) {
    add("img", "01");
    ASSERT_TRUE(start("img", "01"));
    ASSERT_TRUE(finish("img", "01"));
    EXPECT_TRUE(submit(submission("img", "02")));
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.original, OriginalInfo{});
    EXPECT_TRUE(job.variants.empty());
}

TEST_P(JobStoreContractTest, EarlierCreationIsRefused) {
    add("img", "0B");
    const Job before = get("img");
    clock_.advance(1s);
    EXPECT_FALSE(submit(submission("img", "0A99")));  // "0B00" > "0A99"
    EXPECT_FALSE(submit(submission("img", "0a")));
    EXPECT_FALSE(submit(submission("img", "0")));
    const Job after = get("img");
    EXPECT_EQ(after.sequencer, "0B");
    EXPECT_EQ(after.etag, before.etag);
    EXPECT_EQ(after.version, before.version);
    EXPECT_EQ(after.updated, before.updated);
}

TEST_P(JobStoreContractTest, StartTakesAPendingJob) {
    add("img");
    const int64_t version = get("img").version;
    clock_.advance(1s);
    auto job = start("img");
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->state, JobState::kProcessing);
    EXPECT_EQ(job->attempts, 1);
    EXPECT_EQ(job->version, version + 1);
    EXPECT_EQ(job->updated, now());
    EXPECT_EQ(job->event, submission("img").event);
    Job stored = get("img");
    EXPECT_EQ(stored.state, JobState::kProcessing);
    EXPECT_EQ(stored.attempts, 1);
    EXPECT_EQ(stored.version, job->version);
}

TEST_P(JobStoreContractTest, StartAgainWhileProcessingCountsAnAttempt) {
    add("img");
    ASSERT_TRUE(start("img"));
    auto again = start("img");  // the first worker died; its lease ran out
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->state, JobState::kProcessing);
    EXPECT_EQ(again->attempts, 2);
}

TEST_P(JobStoreContractTest, SequencersMatchWhateverTheirLengthOrCase) {
    add("img", "0A");
    auto job = start("img", "0a00");
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->sequencer, "0A");
    EXPECT_TRUE(finish("img", "0A0"));
    EXPECT_EQ(get("img").state, JobState::kDone);
}

TEST_P(JobStoreContractTest, StartForAnotherCreationReturnsNothing) {
    add("img", "0B");
    const int64_t version = get("img").version;
    EXPECT_EQ(start("img", "0A"), std::nullopt);  // earlier
    EXPECT_EQ(start("img", "0C"), std::nullopt);  // later, not submitted yet
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.attempts, 0);
    EXPECT_EQ(job.version, version);
}

TEST_P(JobStoreContractTest, StartOfAFinishedJobReturnsNothing) {
    add("done");
    ASSERT_TRUE(start("done"));
    ASSERT_TRUE(finish("done"));
    add("failed");
    ASSERT_TRUE(start("failed"));
    ASSERT_TRUE(fail("failed"));
    for (const char* id : {"done", "failed"}) {
        const Job before = get(id);
        EXPECT_EQ(start(id), std::nullopt) << id;  // a duplicate delivery
        EXPECT_EQ(get(id).version, before.version) << id;
        EXPECT_EQ(get(id).attempts, 1) << id;
    }
}

TEST_P(JobStoreContractTest, FinishRecordsTheOriginalAndTheVariants) {
    add("img");
    ASSERT_TRUE(start("img"));
    clock_.advance(2s);
    EXPECT_TRUE(finish("img"));
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kDone);
    EXPECT_EQ(job.original, original());
    EXPECT_EQ(job.variants, variants());  // in the order given
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.updated, now());
}

TEST_P(JobStoreContractTest, FinishNeedsAProcessingJobOfTheSameCreation) {
    add("img", "0A");
    EXPECT_FALSE(finish("img")) << "pending";
    ASSERT_TRUE(start("img"));
    EXPECT_FALSE(finish("img", "09")) << "another creation";
    const int64_t version = get("img").version;
    EXPECT_TRUE(finish("img"));
    EXPECT_FALSE(finish("img")) << "done already";
    EXPECT_EQ(get("img").version, version + 1);
}

TEST_P(JobStoreContractTest, FailRecordsTheReason) {
    add("img");
    EXPECT_FALSE(fail("img")) << "pending";
    ASSERT_TRUE(start("img"));
    EXPECT_FALSE(fail("img", "0B")) << "another creation";
    EXPECT_TRUE(fail("img"));
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kFailed);
    EXPECT_EQ(job.error_code, "CorruptImage");
    EXPECT_EQ(job.error_message, "bad huffman table");
    EXPECT_EQ(job.original, (OriginalInfo{77, 0, 0, ""}));
    EXPECT_FALSE(fail("img")) << "failed already";
    EXPECT_FALSE(finish("img")) << "failed already";
}

TEST_P(JobStoreContractTest, RetryLaterKeepsTheLastError) {
    add("img");
    EXPECT_FALSE(retry_later("img")) << "pending";
    ASSERT_TRUE(start("img"));
    EXPECT_FALSE(retry_later("img", "0B")) << "another creation";
    EXPECT_TRUE(retry_later("img"));
    Job job = get("img");
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.error_code, "StoreUnavailable");
    EXPECT_EQ(job.error_message, "connection refused");
    auto again = start("img");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->attempts, 2);
    EXPECT_EQ(again->error_code, "StoreUnavailable") << "still the last error while running";
    ASSERT_TRUE(store().finish("img", "0A", {}, {}).is_ok());
    EXPECT_EQ(get("img").error_code, "") << "a done job has no error";
    EXPECT_EQ(get("img").error_message, "");
}

TEST_P(JobStoreContractTest, ResetMakesAnyJobPendingAgain) {
    add("failed");
    ASSERT_TRUE(start("failed"));
    ASSERT_TRUE(start("failed"));
    ASSERT_TRUE(fail("failed"));
    const int64_t version = get("failed").version;
    clock_.advance(1s);
    auto job = store().reset("failed");
    ASSERT_TRUE(job.is_ok()) << job.status().to_string();
    EXPECT_EQ(job->state, JobState::kPending);
    EXPECT_EQ(job->attempts, 0);
    EXPECT_EQ(job->error_code, "");
    EXPECT_EQ(job->error_message, "");
    EXPECT_EQ(job->sequencer, "0A");
    EXPECT_EQ(job->event, submission("failed").event);  // to be published again
    EXPECT_EQ(job->version, version + 1);
    EXPECT_EQ(job->updated, now());
    EXPECT_EQ(get("failed").state, JobState::kPending);
    EXPECT_TRUE(start("failed").has_value()) << "the same creation runs again";

    add("done");
    ASSERT_TRUE(start("done"));
    ASSERT_TRUE(finish("done"));
    auto done = store().reset("done");
    ASSERT_TRUE(done.is_ok());
    EXPECT_EQ(done->state, JobState::kPending);
    add("processing");
    ASSERT_TRUE(start("processing"));
    auto processing = store().reset("processing");
    ASSERT_TRUE(processing.is_ok());
    EXPECT_EQ(processing->state, JobState::kPending);
    EXPECT_EQ(processing->attempts, 0);
}

TEST_P(JobStoreContractTest, UnknownJobIsNoSuchJob) {
    std::vector<Status> results = {
        store().start("ghost", "0A").status(),
        store().finish("ghost", "0A", original(), variants()).status(),
        store().fail("ghost", "0A", "X", "y", {}).status(),
        store().retry_later("ghost", "0A", "X", "y").status(),
        store().reset("ghost").status(),
        store().get("ghost").status(),
    };
    for (const Status& s : results) {
        EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.to_string();
        EXPECT_EQ(s.reason(), kNoSuchJob);
    }
    auto ghost = store().remove("ghost");
    ASSERT_TRUE(ghost.is_ok()) << ghost.status().to_string();
    EXPECT_FALSE(ghost->has_value());
}

}  // namespace imgpipe::queue
