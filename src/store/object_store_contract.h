#pragma once
// The ObjectStore contract test suite: one parameterised gtest suite that every ObjectStore
// implementation runs, so the local store and a remote S3 client are held to the same
// behaviour (S3's). An implementation's test provides a factory for a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreContractTest,
//                            ::testing::Values(ObjectStoreContractParam{"Local", make_harness}),
//                            object_store_contract_name);
//
// Include this header in exactly one translation unit of a test binary (it defines tests).
// The tests cover buckets, put/get/range/head/delete, overwrite, copy, listing (prefix,
// delimiter, start-after paging, max-keys, byte order, awkward keys), size and digest limits,
// failing bodies, multipart uploads with their error cases, and canned ACLs.

#include "store/object_store_contract_acl.h"
#include "store/object_store_contract_fixture.h"
#include "store/object_store_contract_listing.h"
#include "store/object_store_contract_multipart.h"
#include "store/object_store_contract_objects.h"
