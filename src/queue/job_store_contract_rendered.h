#pragma once
// JobStore contract: add_rendered — the variants delivery renders on request, recorded beside
// (never in) the upload's variants, one entry per name+key, kept across supersede, reset and
// finish, NoSuchJob once the job is gone, and atomic against writers on other handles. Part of
// the suite in job_store_contract.h.

#include <algorithm>
#include <thread>

#include "queue/job_store_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(JobStoreContractTest, AddRenderedRecordsOnceByNameAndKey) {
    add("img");
    const int64_t version = get("img").version;
    clock_.advance(1s);
    VariantResult v{
        "300x200.webp", "resized", "resized-300x200.webp/photos/a.jpg", 300, 200, 4321, "webp",
        "image/webp",   "e1"};
    auto first = store().add_rendered("img", v);
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    EXPECT_TRUE(*first);
    Job job = get("img");
    EXPECT_EQ(job.rendered, std::vector<VariantResult>{v});
    EXPECT_TRUE(job.variants.empty());  // the upload's variants are not touched
    EXPECT_EQ(job.state, JobState::kPending);
    EXPECT_EQ(job.version, version + 1);
    EXPECT_EQ(job.updated, now());

    // The same render again (a second request finding it stored): nothing written.
    clock_.advance(1s);
    auto again = store().add_rendered("img", v);
    ASSERT_TRUE(again.is_ok());
    EXPECT_FALSE(*again);
    EXPECT_EQ(get("img").version, version + 1);
    EXPECT_EQ(get("img").rendered.size(), 1u);

    // Rendered anew (the original was replaced): the entry is updated, not duplicated.
    VariantResult newer = v;
    newer.etag = "e2";
    newer.bytes = 5000;
    auto replaced = store().add_rendered("img", newer);
    ASSERT_TRUE(replaced.is_ok());
    EXPECT_TRUE(*replaced);
    EXPECT_EQ(get("img").rendered, std::vector<VariantResult>{newer});
    EXPECT_EQ(get("img").version, version + 2);

    // Another name, and the same name under another key: new entries, in the order recorded.
    VariantResult card{"card",       "resized", "resized-card/photos/a.jpg", 640, 360, 9000, "jpeg",
                       "image/jpeg", "e3"};
    VariantResult moved = v;
    moved.key = "elsewhere/300x200.webp";
    ASSERT_TRUE(store().add_rendered("img", card).is_ok());
    ASSERT_TRUE(store().add_rendered("img", moved).is_ok());
    EXPECT_EQ(get("img").rendered, (std::vector<VariantResult>{newer, card, moved}));
}

TEST_P(JobStoreContractTest, RenderedVariantsSurviveFinishResetAndSupersede) {
    add("img", "0A");
    VariantResult v{
        "card", "resized", "resized-card/photos/a.jpg", 640, 360, 9000, "jpeg", "image/jpeg", "e1",
        1,      ""};
    ASSERT_TRUE(store().add_rendered("img", v).is_ok());
    ASSERT_TRUE(start("img", "0A"));
    ASSERT_TRUE(finish("img", "0A"));
    Job done = get("img");
    EXPECT_EQ(done.state, JobState::kDone);
    EXPECT_EQ(done.variants, variants());
    EXPECT_EQ(done.rendered, std::vector<VariantResult>{v});

    // Recorded while done: the state and the upload's variants stay as they are.
    VariantResult size{"300x200", "resized",    "resized-300x200/photos/a.jpg",
                       300,       200,          1234,
                       "jpeg",    "image/jpeg", "e2"};
    ASSERT_TRUE(store().add_rendered("img", size).is_ok());
    done = get("img");
    EXPECT_EQ(done.state, JobState::kDone);
    EXPECT_EQ(done.variants, variants());
    EXPECT_EQ(done.rendered, (std::vector<VariantResult>{v, size}));

    auto reset = store().reset("img");
    ASSERT_TRUE(reset.is_ok());
    EXPECT_EQ(reset->rendered, (std::vector<VariantResult>{v, size}));
    EXPECT_EQ(get("img").rendered, (std::vector<VariantResult>{v, size}));

    // A later creation: the keys are the same templates, still to be deleted with the image.
    clock_.advance(1s);
    EXPECT_TRUE(submit(submission("img", "0B")));
    Job superseded = get("img");
    EXPECT_EQ(superseded.sequencer, "0B");
    EXPECT_TRUE(superseded.variants.empty());
    EXPECT_EQ(superseded.rendered, (std::vector<VariantResult>{v, size}));
    // Failing the new creation keeps them too.
    ASSERT_TRUE(start("img", "0B"));
    ASSERT_TRUE(fail("img", "0B"));
    EXPECT_EQ(get("img").rendered, (std::vector<VariantResult>{v, size}));
}

TEST_P(JobStoreContractTest, AddRenderedToAMissingJobIsNoSuchJob) {
    VariantResult v{"card", "resized", "resized-card/k", 1, 1, 1, "jpeg", "image/jpeg", "e"};
    auto never = store().add_rendered("nope", v);
    ASSERT_FALSE(never.is_ok());
    EXPECT_EQ(never.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(never.status().reason(), kNoSuchJob);
    EXPECT_FALSE(store().get("nope").is_ok());  // not created by the attempt

    add("img");
    ASSERT_TRUE(store().remove("img").is_ok());
    auto gone = store().add_rendered("img", v);
    ASSERT_FALSE(gone.is_ok());
    EXPECT_EQ(gone.status().reason(), kNoSuchJob);
    EXPECT_FALSE(store().get("img").is_ok());
    EXPECT_TRUE(list_ids().empty());
}

// DELETE /images/{id} reads the job, then removes it: a render recorded in between, through
// another handle (another API process), must be in what remove() returns, or its object would
// outlive the image.
TEST_P(JobStoreContractTest, RemoveReturnsWhatTheJobNamedWhenItWent) {
    add("img");
    ASSERT_TRUE(start("img"));
    ASSERT_TRUE(finish("img"));
    const Job read_before = get("img");
    std::unique_ptr<JobStore> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    VariantResult late{"card", "resized", "resized-card/k", 1, 1, 1, "jpeg", "image/jpeg", "e"};
    ASSERT_TRUE(peer->add_rendered("img", late).is_ok());

    auto removed = store().remove("img");
    ASSERT_TRUE(removed.is_ok()) << removed.status().to_string();
    ASSERT_TRUE(removed->has_value());
    EXPECT_TRUE(read_before.rendered.empty());
    EXPECT_EQ((*removed)->rendered, std::vector<VariantResult>{late});
    EXPECT_EQ((*removed)->variants, read_before.variants);
    EXPECT_EQ((*removed)->state, JobState::kDone);
}

TEST_P(JobStoreContractTest, ConcurrentRendersFromTwoHandlesAreAllRecorded) {
    add("img");
    std::unique_ptr<JobStore> peer = harness_->open_peer();
    ASSERT_NE(peer, nullptr);
    constexpr int kEach = 15;
    auto record = [&](JobStore& s, const std::string& prefix) {
        for (int i = 0; i < kEach; ++i) {
            const std::string name = prefix + std::to_string(i);
            VariantResult v{name,   "resized",    "resized-" + name + "/k",
                            10 + i, 10,           100,
                            "jpeg", "image/jpeg", "e" + name};
            auto r = s.add_rendered("img", v);
            EXPECT_TRUE(r.is_ok() && *r) << (r.is_ok() ? "unchanged" : r.status().to_string());
        }
    };
    std::thread a([&] { record(store(), "a"); });
    std::thread b([&] { record(*peer, "b"); });
    a.join();
    b.join();
    Job job = get("img");
    ASSERT_EQ(job.rendered.size(), 2u * kEach);  // none lost to a concurrent write
    std::vector<std::string> names;
    for (const auto& v : job.rendered) names.push_back(v.name);
    std::sort(names.begin(), names.end());
    EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end());
    // The peer reads what this handle wrote, and list() carries the entries.
    EXPECT_EQ(peer->get("img")->rendered, job.rendered);
    auto listed = store().list(std::nullopt, 10);
    ASSERT_TRUE(listed.is_ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].rendered, job.rendered);
}

}  // namespace imgpipe::queue
