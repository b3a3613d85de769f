#pragma once
// The JobStore contract test suite: one parameterised gtest suite that every JobStore
// implementation runs (SQLite, Redis), so each is held to job_store.h. Time is a FakeClock the
// suite moves by hand; an implementation's test provides a factory for a fresh, empty store on
// that clock:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreContractTest,
//                            ::testing::Values(JobStoreContractParam{"Sqlite", make_harness}),
//                            job_store_contract_name);
//
// Include this header in exactly one translation unit of a test binary (it defines tests).
// The tests cover submit with new, duplicate, later and earlier sequencers (of any length and
// case), start (attempts, stale and finished jobs), finish, fail, retry_later, reset,
// NoSuchJob, get/list/counts/remove, versions, the change generation and wait_for_change, two
// handles on one store, and add_rendered.

#include "queue/job_store_contract_fixture.h"
#include "queue/job_store_contract_lifecycle.h"
#include "queue/job_store_contract_queries.h"
#include "queue/job_store_contract_rendered.h"
