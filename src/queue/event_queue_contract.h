#pragma once
// The EventQueue contract test suite: one parameterised gtest suite that every EventQueue
// implementation runs (SQLite, Redis Streams), so each is held to event_queue.h. Time is a
// FakeClock the suite moves by hand; an implementation's test provides a factory for a fresh,
// empty queue on that clock with the suite's max_deliveries:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, EventQueueContractTest,
//                            ::testing::Values(EventQueueContractParam{"Sqlite", make_harness}),
//                            event_queue_contract_name);
//
// Include this header in exactly one translation unit of a test binary (it defines tests).
// The tests cover publish and dedupe, claim order, ack, release with a delay, leases running
// out, stale leases, extend, dead letters (release and lease expiry at the limit, bury),
// requeue, stats, next_visible_at, the work generation and wait_for_work, and two handles on
// one queue claiming concurrently.

#include "queue/event_queue_contract_concurrency.h"
#include "queue/event_queue_contract_dead.h"
#include "queue/event_queue_contract_delivery.h"
#include "queue/event_queue_contract_fixture.h"
