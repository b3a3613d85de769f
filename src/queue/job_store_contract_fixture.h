#pragma once
// The fixture and helpers of the JobStore contract suite (see job_store_contract.h): the
// harness an implementation provides, sample submissions and outcomes. Test-only.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "queue/job_store.h"

namespace imgpipe::queue {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test-only header

// A fresh, empty store for one test and whatever keeps it alive (temp dirs, servers).
class JobStoreHarness {
  public:
    virtual ~JobStoreHarness() = default;
    virtual JobStore& store() = 0;
    // Another handle on the same store, opened as a second process would (its own
    // connections), on the same clock. Lives no longer than the harness.
    virtual std::unique_ptr<JobStore> open_peer() = 0;
};

struct JobStoreContractParam {
    std::string name;
    // A fresh store on `clock`, which outlives the harness.
    std::function<std::unique_ptr<JobStoreHarness>(FakeClock& clock)> make;
};

inline void PrintTo(const JobStoreContractParam& param, std::ostream* os) { *os << param.name; }

inline std::string job_store_contract_name(
    const ::testing::TestParamInfo<JobStoreContractParam>& info) {
    return info.param.name;
}

class JobStoreContractTest : public ::testing::TestWithParam<JobStoreContractParam> {
  protected:
    void SetUp() override {
        harness_ = GetParam().make(clock_);
        ASSERT_NE(harness_, nullptr);
    }

    JobStore& store() { return harness_->store(); }
    std::chrono::system_clock::time_point now() const { return clock_.now(); }

    static JobSubmission submission(const std::string& id, const std::string& sequencer = "0A") {
        JobSubmission s;
        s.id = id;
        s.bucket = "uploads";
        s.key = "photos/" + id + ".jpg";
        s.etag = "etag-" + sequencer;
        s.size = 1000;
        s.sequencer = sequencer;
        s.event = R"({"Records":[{"s3":{"object":{"sequencer":")" + sequencer + R"("}}}]})";
        return s;
    }

    static OriginalInfo original() { return {123456, 1600, 1200, "jpeg"}; }

    static std::vector<VariantResult> variants() {
        return {{"400x400", "resized", "resized-400x400/photos/a.jpg", 400, 400, 21000, "jpeg",
                 "image/jpeg"},
                {"100x100", "resized", "resized-100x100/photos/a.jpg", 100, 100, 3000, "webp",
                 "image/webp"},
                // An animation, and one over the animation budget: frames and note are kept.
                {"100x100.gif", "resized", "resized-100x100.gif/photos/a.jpg", 100, 100, 9000,
                 "gif", "image/gif", "0123456789abcdef0123456789abcdef", 12},
                {"100x100.webp", "resized", "resized-100x100.webp/photos/a.jpg", 100, 100, 2000,
                 "webp", "image/webp", "", 1, "AnimationOverBudget"}};
    }

    // submit() that must succeed; its result.
    bool submit(const JobSubmission& s) {
        auto r = store().submit(s);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() && *r;
    }

    // A pending job `id` submitted now with `sequencer`.
    void add(const std::string& id, const std::string& sequencer = "0A") {
        EXPECT_TRUE(submit(submission(id, sequencer)));
    }

    // start() that must succeed; the job it returned.
    std::optional<Job> start(const std::string& id, const std::string& sequencer = "0A") {
        auto r = store().start(id, sequencer);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : std::nullopt;
    }

    // get() that must succeed.
    Job get(const std::string& id) {
        auto r = store().get(id);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : Job{};
    }

    // Each outcome call, required to succeed; its bool.
    bool finish(const std::string& id, const std::string& sequencer = "0A") {
        auto r = store().finish(id, sequencer, original(), variants());
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() && *r;
    }
    bool fail(const std::string& id, const std::string& sequencer = "0A") {
        auto r = store().fail(id, sequencer, "CorruptImage", "bad huffman table", {77, 0, 0, ""});
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() && *r;
    }
    bool retry_later(const std::string& id, const std::string& sequencer = "0A") {
        auto r = store().retry_later(id, sequencer, "StoreUnavailable", "connection refused");
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() && *r;
    }

    // Ids of list(state, limit), in order.
    std::vector<std::string> list_ids(std::optional<JobState> state = std::nullopt,
                                      int limit = 100) {
        auto r = store().list(state, limit);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        std::vector<std::string> ids;
        if (r.is_ok()) {
            for (const auto& job : *r) ids.push_back(job.id);
        }
        return ids;
    }

    FakeClock clock_;  // declared first: outlives the harness
    std::unique_ptr<JobStoreHarness> harness_;
};

inline bool operator==(const JobCounts& a, const JobCounts& b) {
    return a.pending == b.pending && a.processing == b.processing && a.done == b.done &&
           a.failed == b.failed;
}

inline void PrintTo(const JobCounts& c, std::ostream* os) {
    *os << "{pending " << c.pending << ", processing " << c.processing << ", done " << c.done
        << ", failed " << c.failed << "}";
}

inline void PrintTo(JobState s, std::ostream* os) { *os << job_state_name(s); }

}  // namespace imgpipe::queue
