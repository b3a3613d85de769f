#pragma once
// The fixture and helpers of the EventQueue contract suite (see event_queue_contract.h): the
// harness an implementation provides and small publish/claim helpers. Test-only.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "queue/event_queue.h"

namespace imgpipe::queue {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test-only header

// A fresh, empty queue for one test and whatever keeps it alive (temp dirs, servers).
class EventQueueHarness {
  public:
    virtual ~EventQueueHarness() = default;
    virtual EventQueue& queue() = 0;
    // Another handle on the same queue, opened as a second process would (its own connections),
    // on the same clock. Lives no longer than the harness.
    virtual std::unique_ptr<EventQueue> open_peer() = 0;
};

struct EventQueueContractParam {
    std::string name;
    // A fresh queue on `clock` (which outlives the harness) with the given max_deliveries.
    std::function<std::unique_ptr<EventQueueHarness>(FakeClock& clock, int max_deliveries)> make;
};

inline void PrintTo(const EventQueueContractParam& param, std::ostream* os) { *os << param.name; }

inline std::string event_queue_contract_name(
    const ::testing::TestParamInfo<EventQueueContractParam>& info) {
    return info.param.name;
}

class EventQueueContractTest : public ::testing::TestWithParam<EventQueueContractParam> {
  protected:
    static constexpr int kMaxDeliveries = 3;
    static constexpr std::chrono::milliseconds kLease{30'000};

    void SetUp() override {
        harness_ = GetParam().make(clock_, kMaxDeliveries);
        ASSERT_NE(harness_, nullptr);
    }

    EventQueue& queue() { return harness_->queue(); }
    TimePoint now() const { return clock_.now(); }

    void publish(const std::string& id, const std::string& body = "{}") {
        Status s = queue().publish(id, body);
        EXPECT_TRUE(s.is_ok()) << s.to_string();
    }

    // The claimed message, or nullopt (an error fails the test).
    std::optional<QueueMessage> try_claim(std::chrono::milliseconds lease = kLease) {
        auto r = queue().claim(lease);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : std::nullopt;
    }

    // A claimed message; fails the test (returning an empty message) when none is visible.
    QueueMessage claim(std::chrono::milliseconds lease = kLease) {
        auto m = try_claim(lease);
        if (!m) ADD_FAILURE() << "nothing to claim";
        return m.value_or(QueueMessage{});
    }

    bool nothing_visible() { return !try_claim().has_value(); }

    // Claims (and acks) until nothing is visible; the ids in claim order.
    std::vector<std::string> drain() {
        std::vector<std::string> ids;
        while (auto m = try_claim()) {
            ids.push_back(m->id);
            EXPECT_TRUE(queue().ack(*m).is_ok());
        }
        return ids;
    }

    std::vector<DeadLetter> dead(int limit = 100) {
        auto r = queue().dead_letters(limit);
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : std::vector<DeadLetter>{};
    }

    QueueStats stats() {
        auto r = queue().stats();
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : QueueStats{-1, -1, -1};
    }

    std::optional<TimePoint> next_visible() {
        auto r = queue().next_visible_at();
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : std::nullopt;
    }

    // Claims and releases (without delay) `times` times; the last claim's message.
    QueueMessage claim_and_release(int times, const std::string& reason) {
        QueueMessage m;
        for (int i = 0; i < times; ++i) {
            m = claim();
            EXPECT_TRUE(queue().release(m, std::chrono::milliseconds(0), reason).is_ok());
        }
        return m;
    }

    FakeClock clock_;  // declared first: outlives the harness
    std::unique_ptr<EventQueueHarness> harness_;
};

inline bool operator==(const QueueStats& a, const QueueStats& b) {
    return a.ready == b.ready && a.leased == b.leased && a.dead == b.dead;
}

inline void PrintTo(const QueueStats& s, std::ostream* os) {
    *os << "{ready " << s.ready << ", leased " << s.leased << ", dead " << s.dead << "}";
}

}  // namespace imgpipe::queue
