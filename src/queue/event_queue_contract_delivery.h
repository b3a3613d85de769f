#pragma once
// EventQueue contract: publish, dedupe, claim order, ack (also with the next claim), release with a
// delay, leases running out, stale leases and extend. Part of the suite in event_queue_contract.h.

#include "queue/event_queue_contract_fixture.h"

namespace imgpipe::queue {

TEST_P(EventQueueContractTest, PublishThenClaimReturnsTheMessage) {
    const TimePoint published = now();
    publish("m1", R"({"Records":[]})");
    clock_.advance(1s);
    QueueMessage m = claim();
    EXPECT_EQ(m.id, "m1");
    EXPECT_EQ(m.body, R"({"Records":[]})");
    EXPECT_EQ(m.deliveries, 1);
    EXPECT_FALSE(m.lease.empty());
    EXPECT_EQ(m.published, published);
    EXPECT_TRUE(nothing_visible()) << "a leased message is not visible";
}

TEST_P(EventQueueContractTest, EmptyQueueHasNothingToClaim) {
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(stats(), (QueueStats{0, 0, 0}));
    EXPECT_EQ(next_visible(), std::nullopt);
    EXPECT_TRUE(dead().empty());
}

TEST_P(EventQueueContractTest, OldestPublishedIsTheOldestUnsettledMessage) {
    auto oldest = [&] {
        auto r = queue().oldest_published();
        EXPECT_TRUE(r.is_ok()) << r.status().to_string();
        return r.is_ok() ? *r : std::nullopt;
    };
    EXPECT_EQ(oldest(), std::nullopt);
    const TimePoint first = now();
    publish("first");
    clock_.advance(1s);
    const TimePoint second = now();
    publish("second");
    EXPECT_EQ(oldest(), first);
    QueueMessage m = claim();
    EXPECT_EQ(oldest(), first) << "a leased message is not settled yet";
    ASSERT_TRUE(queue().ack(m).is_ok());
    EXPECT_EQ(oldest(), second);
    QueueMessage n = claim();
    ASSERT_TRUE(queue().bury(n, "Gave up").is_ok());
    EXPECT_EQ(oldest(), std::nullopt) << "dead letters are not waiting for a consumer";
}

TEST_P(EventQueueContractTest, ClaimsInPublishOrder) {
    for (const char* id : {"c", "a", "b", "d"}) publish(id);
    EXPECT_EQ(drain(), (std::vector<std::string>{"c", "a", "b", "d"}));
}

TEST_P(EventQueueContractTest, OldestVisibleIsClaimedFirst) {
    publish("early");
    clock_.advance(1s);
    publish("late");
    clock_.advance(1s);
    QueueMessage early = claim();
    ASSERT_EQ(early.id, "early");
    // Released without delay it is visible from now on: later than "late", published before.
    ASSERT_TRUE(queue().release(early, 0ms, "retry").is_ok());
    EXPECT_EQ(drain(), (std::vector<std::string>{"late", "early"}));
}

TEST_P(EventQueueContractTest, BodiesRoundTripExactly) {
    std::string big = R"({"Records":[{"s3":{"object":{"key":")";
    while (big.size() < 2100) big += "photos/caf\u00e9-\u732b/\"quoted\"\\n\t";
    big += R"("}}}]})";
    const std::vector<std::string> bodies = {big, "", std::string("nul\0byte", 8),
                                             "\xF0\x9F\x90\x88 line\r\nbreak"};
    for (size_t i = 0; i < bodies.size(); ++i) publish("b" + std::to_string(i), bodies[i]);
    for (size_t i = 0; i < bodies.size(); ++i) {
        QueueMessage m = claim();
        EXPECT_EQ(m.id, "b" + std::to_string(i));
        EXPECT_EQ(m.body, bodies[i]) << i;
    }
}

TEST_P(EventQueueContractTest, RepublishingAQueuedIdIsIgnored) {
    publish("dup", "first");
    publish("dup", "second");  // still ready
    EXPECT_EQ(stats(), (QueueStats{1, 0, 0}));
    QueueMessage m = claim();
    EXPECT_EQ(m.body, "first");
    publish("dup", "third");  // leased
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(stats(), (QueueStats{0, 1, 0}));

    // Dead: still ignored, and the dead letter keeps its body.
    ASSERT_TRUE(queue().release(m, 0ms, "broken").is_ok());
    claim_and_release(kMaxDeliveries - 1, "broken");
    ASSERT_EQ(dead().size(), 1u);
    publish("dup", "fourth");
    EXPECT_TRUE(nothing_visible());
    ASSERT_EQ(dead().size(), 1u);
    EXPECT_EQ(dead()[0].body, "first");
}

TEST_P(EventQueueContractTest, AnAckedIdMayBePublishedAgain) {
    publish("again", "one");
    ASSERT_TRUE(queue().ack(claim()).is_ok());
    publish("again", "two");
    QueueMessage m = claim();
    EXPECT_EQ(m.body, "two");
    EXPECT_EQ(m.deliveries, 1);
}

TEST_P(EventQueueContractTest, AckRemovesTheMessage) {
    publish("m");
    QueueMessage m = claim();
    ASSERT_TRUE(queue().ack(m).is_ok());
    EXPECT_EQ(stats(), (QueueStats{0, 0, 0}));
    clock_.advance(1h);  // long past the lease: nothing comes back
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(next_visible(), std::nullopt);
    Status again = queue().ack(m);
    EXPECT_EQ(again.code(), StatusCode::kNotFound);
    EXPECT_EQ(again.reason(), kNoSuchMessage);
}

TEST_P(EventQueueContractTest, AckAndClaimSettlesOneAndLeasesTheNext) {
    publish("a");
    clock_.advance(1s);
    publish("b");
    QueueMessage a = claim();
    auto first = queue().ack_and_claim(a, kLease);
    EXPECT_TRUE(first.acked.is_ok()) << first.acked.to_string();
    ASSERT_TRUE(first.next.is_ok()) << first.next.status().to_string();
    ASSERT_TRUE(first.next->has_value());
    const QueueMessage& b = **first.next;
    EXPECT_EQ(b.id, "b");
    EXPECT_EQ(b.deliveries, 1);
    EXPECT_EQ(b.published, now());
    EXPECT_EQ(stats(), (QueueStats{0, 1, 0})) << "a is gone, b leased";
    EXPECT_EQ(queue().ack(a).reason(), kNoSuchMessage);

    auto last = queue().ack_and_claim(b, kLease);
    EXPECT_TRUE(last.acked.is_ok()) << last.acked.to_string();
    ASSERT_TRUE(last.next.is_ok()) << last.next.status().to_string();
    EXPECT_FALSE(last.next->has_value()) << "nothing left to claim";
    EXPECT_EQ(stats(), (QueueStats{0, 0, 0}));
}

TEST_P(EventQueueContractTest, AckAndClaimStillClaimsWhenTheAckFails) {
    publish("a");
    QueueMessage stale = claim(10s);
    clock_.advance(10s);
    QueueMessage again = claim(10s);  // another consumer took "a" over
    ASSERT_EQ(again.id, "a");
    publish("b");
    auto both = queue().ack_and_claim(stale, 10s);
    EXPECT_EQ(both.acked.reason(), kLeaseLost);
    ASSERT_TRUE(both.next.is_ok()) << both.next.status().to_string();
    ASSERT_TRUE(both.next->has_value());
    EXPECT_EQ((*both.next)->id, "b");
    EXPECT_EQ(stats(), (QueueStats{0, 2, 0})) << "the stale ack left the new lease alone";
    EXPECT_TRUE(queue().ack(again).is_ok());

    publish("c");
    auto gone = queue().ack_and_claim(again, 10s);  // acked already
    EXPECT_EQ(gone.acked.reason(), kNoSuchMessage);
    ASSERT_TRUE(gone.next.is_ok()) << gone.next.status().to_string();
    ASSERT_TRUE(gone.next->has_value());
    EXPECT_EQ((*gone.next)->id, "c");
}

TEST_P(EventQueueContractTest, ReleasedMessageComesBackAfterTheDelay) {
    publish("m");
    QueueMessage first = claim();
    ASSERT_TRUE(queue().release(first, 10s, "transient").is_ok());
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(next_visible(), now() + 10s);
    EXPECT_EQ(stats(), (QueueStats{1, 0, 0})) << "a delayed message counts as ready";
    clock_.advance(9999ms);
    EXPECT_TRUE(nothing_visible());
    clock_.advance(1ms);
    QueueMessage second = claim();
    EXPECT_EQ(second.id, "m");
    EXPECT_EQ(second.deliveries, 2);
    EXPECT_NE(second.lease, first.lease);
}

TEST_P(EventQueueContractTest, ExpiredLeaseIsDeliveredAgain) {
    publish("m");
    QueueMessage first = claim(30s);
    EXPECT_EQ(next_visible(), now() + 30s);
    clock_.advance(29s);
    EXPECT_TRUE(nothing_visible());
    EXPECT_EQ(stats(), (QueueStats{0, 1, 0}));
    clock_.advance(1s);
    QueueMessage second = claim(30s);
    EXPECT_EQ(second.id, "m");
    EXPECT_EQ(second.deliveries, 2);
    EXPECT_NE(second.lease, first.lease);
    EXPECT_EQ(second.published, first.published);
}

TEST_P(EventQueueContractTest, StaleLeaseIsLeaseLost) {
    publish("m");
    QueueMessage first = claim(10s);
    clock_.advance(10s);
    QueueMessage second = claim(10s);
    ASSERT_EQ(second.id, "m");
    for (const Status& s : {queue().ack(first), queue().release(first, 0ms, "x"),
                            queue().extend(first, 10s), queue().bury(first, "x")}) {
        EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.to_string();
        EXPECT_EQ(s.reason(), kLeaseLost);
    }
    EXPECT_EQ(stats(), (QueueStats{0, 1, 0})) << "the stale calls changed nothing";
    EXPECT_TRUE(queue().ack(second).is_ok());
}

TEST_P(EventQueueContractTest, RunOutLeaseStillAcksUntilReclaimed) {
    // The lease names the claim, not a deadline: a slow worker's ack is taken as long as no
    // other consumer has claimed the message since.
    publish("m");
    QueueMessage m = claim(10s);
    clock_.advance(1min);
    EXPECT_TRUE(queue().ack(m).is_ok());
    EXPECT_TRUE(nothing_visible());
}

TEST_P(EventQueueContractTest, ExtendKeepsTheMessageLeased) {
    publish("m");
    QueueMessage m = claim(10s);
    clock_.advance(8s);
    ASSERT_TRUE(queue().extend(m, 10s).is_ok());
    EXPECT_EQ(next_visible(), now() + 10s);
    clock_.advance(5s);  // past the first lease, within the extension
    EXPECT_TRUE(nothing_visible());
    EXPECT_TRUE(queue().release(m, 0ms, "still mine").is_ok()) << "the lease is unchanged";
    QueueMessage again = claim(10s);
    EXPECT_EQ(again.deliveries, 2);
    clock_.advance(5s);
    ASSERT_TRUE(queue().extend(again, 10s).is_ok());
    clock_.advance(10s);
    EXPECT_EQ(claim().deliveries, 3) << "the extension ran out";
}

TEST_P(EventQueueContractTest, UnknownMessageIsNoSuchMessage) {
    QueueMessage ghost{"ghost", "", 1, "lease", now()};
    for (const Status& s :
         {queue().ack(ghost), queue().release(ghost, 0ms, "x"), queue().extend(ghost, 10s),
          queue().bury(ghost, "x"), queue().requeue("ghost")}) {
        EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.to_string();
        EXPECT_EQ(s.reason(), kNoSuchMessage);
    }
}

TEST_P(EventQueueContractTest, EveryClaimHasItsOwnLease) {
    publish("a");
    publish("b");
    QueueMessage a = claim();
    QueueMessage b = claim();
    EXPECT_NE(a.lease, b.lease);
    // A lease is only good for its own message.
    QueueMessage mixed = a;
    mixed.lease = b.lease;
    EXPECT_EQ(queue().ack(mixed).reason(), kLeaseLost);
    EXPECT_TRUE(queue().ack(a).is_ok());
    EXPECT_TRUE(queue().ack(b).is_ok());
}

}  // namespace imgpipe::queue
