#pragma once
// The body of the aws-chunked fuzz target, shared with the gtest that replays the seed corpus
// (src/sigv4/fuzz_corpus_test.cpp) so `ctest` exercises the same code without clang.
//
// Input layout: byte 0 is a control byte, the rest is the raw aws-chunked body.
//   bits 0-1: mode — 0 STREAMING-UNSIGNED-PAYLOAD-TRAILER with x-amz-trailer: x-amz-checksum-crc32,
//             1 STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 2 ...-PAYLOAD-TRAILER (crc32 trailer),
//             3 STREAMING-UNSIGNED-PAYLOAD-TRAILER with no trailer declared;
//   bits 2-4: raw read size 1 + 9*n; bits 5-7: consumer read size 1 + 13*n.
// Signed modes use kFuzzSecret / kFuzzDate / kFuzzSeedSignature, so seed files can carry valid
// chunk signatures. Aborts if an invariant of PayloadSource breaks (more bytes out than in, a
// clean end without its verified checksum, an error that is not sticky).

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace imgpipe::sigv4::fuzzing {

inline constexpr char kFuzzSecret[] = "fuzz-secret";
inline constexpr char kFuzzDate[] = "20240101T000000Z";
inline constexpr char kFuzzScope[] = "20240101/us-east-1/s3/aws4_request";
// sha256_hex("fuzz-seed")
inline constexpr char kFuzzSeedSignature[] =
    "060dda3eb7c6dd7e2dfac1cfb558c81eb9b360f5ee0fd8212cd503e956ff7cb5";

struct AwsChunkedOutcome {
    Status status;
    std::string decoded;
};

AwsChunkedOutcome run_aws_chunked_input(const uint8_t* data, size_t size);

}  // namespace imgpipe::sigv4::fuzzing
