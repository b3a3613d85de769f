// Replays every file of fuzz/corpus/aws_chunked through the fuzz target's code, so the normal
// build (no clang, no libFuzzer) keeps the seeds and any saved crash inputs passing.

#include <gtest/gtest.h>

#include <set>

#include "aws_chunked_driver.h"
#include "corpus.h"

namespace imgpipe::sigv4 {
namespace {

TEST(AwsChunkedCorpusTest, HasSeeds) { EXPECT_GE(read_fuzz_corpus("aws_chunked").size(), 5u); }

// The file name says what a seed must do: "valid-*" decodes, "bad-*" is refused with one of
// the S3 errors below; anything else (a saved crash input) may go either way but must fail
// cleanly if it fails.
TEST(AwsChunkedCorpusTest, EveryFileHasTheOutcomeItsNameSays) {
    static const std::set<std::string> kReasons = {
        "IncompleteBody",        "InvalidRequest", "MalformedTrailerError",
        "SignatureDoesNotMatch", "BadDigest",      "InvalidArgument"};
    int valid = 0;
    int bad = 0;
    for (const auto& [name, bytes] : read_fuzz_corpus("aws_chunked")) {
        auto outcome = fuzzing::run_aws_chunked_input(
            reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        if (name.starts_with("valid-")) {
            ++valid;
            EXPECT_TRUE(outcome.status.is_ok()) << name << ": " << outcome.status.to_string();
            EXPECT_FALSE(outcome.decoded.empty()) << name;
            continue;
        }
        if (name.starts_with("bad-")) {
            ++bad;
            EXPECT_FALSE(outcome.status.is_ok()) << name << ": a bad seed was accepted";
        }
        if (!outcome.status.is_ok()) {
            EXPECT_EQ(kReasons.count(outcome.status.reason()), 1u)
                << name << ": " << outcome.status.to_string();
            EXPECT_EQ(outcome.status.code() == StatusCode::kUnauthenticated,
                      outcome.status.reason() == "SignatureDoesNotMatch")
                << name;
        }
    }
    // Both kinds are there, so neither check above passes vacuously.
    EXPECT_GE(valid, 1);
    EXPECT_GE(bad, 1);
}

}  // namespace
}  // namespace imgpipe::sigv4
