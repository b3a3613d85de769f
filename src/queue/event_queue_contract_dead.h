#pragma once
// EventQueue contract: dead letters (on release and on a lease running out at max_deliveries),
// requeue, stats and next_visible_at. Part of the suite in event_queue_contract.h.

#include <map>

#include "queue/event_queue_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(EventQueueContractTest, ReleaseAtMaxDeliveriesMakesADeadLetter) {
    const TimePoint published = now();
    publish("poison", "body");
    clock_.advance(1s);
    claim_and_release(kMaxDeliveries - 1, "CorruptImage?");
    EXPECT_TRUE(dead().empty()) << "deliveries below the limit come back";
    QueueMessage last = claim();
    EXPECT_EQ(last.deliveries, kMaxDeliveries);
    clock_.advance(1s);
    const TimePoint died = now();
    ASSERT_TRUE(queue().release(last, 1s, "StoreUnavailable").is_ok());

    clock_.advance(1h);
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(next_visible(), std::nullopt);
    EXPECT_EQ(stats(), (QueueStats{0, 0, 1}));
    auto letters = dead();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].id, "poison");
    EXPECT_EQ(letters[0].body, "body");
    EXPECT_EQ(letters[0].deliveries, kMaxDeliveries);
    EXPECT_EQ(letters[0].reason, "StoreUnavailable");
    EXPECT_EQ(letters[0].published, published);
    EXPECT_EQ(letters[0].died, died);
    EXPECT_EQ(queue().ack(last).reason(), kLeaseLost) << "a dead letter has no lease";
}

TEST_P(EventQueueContractTest, LeaseRunningOutAtMaxDeliveriesMakesADeadLetterOnClaim) {
    publish("crashy", "body");
    for (int i = 1; i < kMaxDeliveries; ++i) {
        EXPECT_EQ(claim(10s).deliveries, i);
        clock_.advance(10s);
    }
    QueueMessage last = claim(10s);
    EXPECT_EQ(last.deliveries, kMaxDeliveries);
    publish("healthy");
    clock_.advance(10s);

    // The claim moves the expired message to the dead letters and goes on to the next one.
    EXPECT_EQ(claim().id, "healthy");
    EXPECT_TRUE(nothing_visible());
    auto letters = dead();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].id, "crashy");
    EXPECT_EQ(letters[0].reason, kLeaseExpiredReason);
    EXPECT_EQ(letters[0].deliveries, kMaxDeliveries);
    EXPECT_EQ(stats(), (QueueStats{0, 1, 1}));
    EXPECT_EQ(queue().ack(last).reason(), kLeaseLost);
}

TEST_P(EventQueueContractTest, BuryMakesADeadLetterAtOnce) {
    const TimePoint published = now();
    publish("hopeless", "body");
    publish("next");
    QueueMessage m = claim();
    ASSERT_EQ(m.id, "hopeless");
    clock_.advance(1s);
    ASSERT_TRUE(queue().bury(m, "UnsupportedFormat").is_ok());
    EXPECT_EQ(stats(), (QueueStats{1, 0, 1}));
    auto letters = dead();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].id, "hopeless");
    EXPECT_EQ(letters[0].body, "body");
    EXPECT_EQ(letters[0].deliveries, 1);
    EXPECT_EQ(letters[0].reason, "UnsupportedFormat");
    EXPECT_EQ(letters[0].published, published);
    EXPECT_EQ(letters[0].died, now());
    EXPECT_EQ(queue().ack(m).reason(), kLeaseLost) << "a dead letter has no lease";
    EXPECT_EQ(queue().bury(m, "again").reason(), kLeaseLost);
    clock_.advance(1h);
    EXPECT_EQ(drain(), (std::vector<std::string>{"next"}));
    ASSERT_TRUE(queue().requeue("hopeless").is_ok());
    EXPECT_EQ(claim().deliveries, 1);
}

TEST_P(EventQueueContractTest, LastReleaseReasonWinsOverEarlierOnes) {
    publish("m");
    claim_and_release(1, "first");
    claim_and_release(kMaxDeliveries - 1, "last");
    auto letters = dead();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(letters[0].reason, "last");
}

TEST_P(EventQueueContractTest, DeadLettersAreListedOldestDeathFirst) {
    for (const char* id : {"a", "b", "c"}) publish(id);
    for (int round = 1; round < kMaxDeliveries; ++round) {
        std::vector<QueueMessage> claimed = {claim(), claim(), claim()};
        for (const auto& m : claimed) ASSERT_TRUE(queue().release(m, 0ms, "again").is_ok());
    }
    std::map<std::string, QueueMessage> last;
    for (int i = 0; i < 3; ++i) {
        QueueMessage m = claim();
        last[m.id] = m;
    }
    // Published a, b, c; they die b, c, a.
    for (const char* id : {"b", "c", "a"}) {
        ASSERT_TRUE(queue().release(last[id], 0ms, "dead").is_ok());
        clock_.advance(1s);
    }
    std::vector<std::string> ids;
    for (const auto& d : dead()) ids.push_back(d.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"b", "c", "a"}));
    auto first_two = dead(2);
    ASSERT_EQ(first_two.size(), 2u);
    EXPECT_EQ(first_two[0].id, "b");
    EXPECT_EQ(first_two[1].id, "c");
}

TEST_P(EventQueueContractTest, RequeueGivesADeadLetterFreshDeliveries) {
    publish("m", "body");
    claim_and_release(kMaxDeliveries, "broken");
    ASSERT_EQ(dead().size(), 1u);
    clock_.advance(1s);

    ASSERT_TRUE(queue().requeue("m").is_ok());
    EXPECT_TRUE(dead().empty());
    EXPECT_EQ(stats(), (QueueStats{1, 0, 0}));
    QueueMessage m = claim();
    EXPECT_EQ(m.id, "m");
    EXPECT_EQ(m.body, "body");
    EXPECT_EQ(m.deliveries, 1);

    // The full allowance again, then dead again.
    ASSERT_TRUE(queue().release(m, 0ms, "still broken").is_ok());
    claim_and_release(kMaxDeliveries - 1, "still broken");
    ASSERT_EQ(dead().size(), 1u);
    EXPECT_EQ(dead()[0].reason, "still broken");
}

TEST_P(EventQueueContractTest, RequeueNeedsADeadLetter) {
    publish("ready");
    Status s = queue().requeue("ready");
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    EXPECT_EQ(s.reason(), kNoSuchMessage);
    QueueMessage leased = claim();
    EXPECT_EQ(queue().requeue("ready").reason(), kNoSuchMessage);
    EXPECT_TRUE(queue().ack(leased).is_ok());
    EXPECT_EQ(queue().requeue("ready").reason(), kNoSuchMessage);
}

TEST_P(EventQueueContractTest, StatsCountEachState) {
    for (const char* id : {"dies", "delayed", "leased1", "leased2", "waiting"}) publish(id);
    EXPECT_EQ(stats(), (QueueStats{5, 0, 0}));
    EXPECT_EQ(claim_and_release(kMaxDeliveries, "dead").id, "dies");
    QueueMessage delayed = claim();
    ASSERT_EQ(delayed.id, "delayed");
    ASSERT_TRUE(queue().release(delayed, 1min, "later").is_ok());
    EXPECT_EQ(claim(30s).id, "leased1");
    EXPECT_EQ(claim(30s).id, "leased2");
    EXPECT_EQ(stats(), (QueueStats{2, 2, 1}));
    clock_.advance(1min);
    // The leases ran out below the limit: both count as ready again.
    EXPECT_EQ(stats(), (QueueStats{4, 0, 1}));
}

TEST_P(EventQueueContractTest, NextVisibleAtIsTheEarliestDelayOrLease) {
    EXPECT_EQ(next_visible(), std::nullopt);
    publish("a");
    publish("b");
    publish("c");
    EXPECT_EQ(next_visible(), std::nullopt) << "visible now is not 'not visible'";
    const TimePoint t0 = now();
    QueueMessage a = claim(1min);
    QueueMessage b = claim(1min);
    ASSERT_TRUE(queue().release(b, 20s, "retry").is_ok());
    EXPECT_EQ(next_visible(), t0 + 20s);
    claim(5s);  // c
    EXPECT_EQ(next_visible(), t0 + 5s);
    clock_.advance(5s);  // c's lease ran out: visible now
    EXPECT_EQ(next_visible(), t0 + 20s);
    ASSERT_TRUE(queue().ack(a).is_ok());
    clock_.advance(15s);
    EXPECT_EQ(next_visible(), std::nullopt);
}

}  // namespace imgpipe::queue
