// Replays every file of fuzz/corpus/aws_chunked through the fuzz target's code, so the normal
// build (no clang, no libFuzzer) keeps the seeds and any saved crash inputs passing.

#include <gtest/gtest.h>

#include <set>

#include "aws_chunked_driver.h"
#include "corpus.h"

namespace imgpipe::sigv4 {
namespace {

TEST(AwsChunkedCorpusTest, HasSeeds) { EXPECT_GE(read_fuzz_corpus("aws_chunked").size(), 5u); }

TEST(AwsChunkedCorpusTest, EveryFileDecodesOrFailsCleanly) {
    const std::set<std::string> kReasons = {
        "IncompleteBody",        "InvalidRequest", "MalformedTrailerError",
        "SignatureDoesNotMatch", "BadDigest",      "InvalidArgument"};
    for (const auto& [name, bytes] : read_fuzz_corpus("aws_chunked")) {
        auto outcome = fuzzing::run_aws_chunked_input(
            reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        if (name.starts_with("valid-")) {
            EXPECT_TRUE(outcome.status.is_ok()) << name << ": " << outcome.status.to_string();
            EXPECT_FALSE(outcome.decoded.empty()) << name;
        } else if (!outcome.status.is_ok()) {
            EXPECT_EQ(kReasons.count(outcome.status.reason()), 1u)
                << name << ": " << outcome.status.to_string();
            EXPECT_EQ(outcome.status.code() == StatusCode::kUnauthenticated,
                      outcome.status.reason() == "SignatureDoesNotMatch")
                << name;
        }
    }
}

}  // namespace
}  // namespace imgpipe::sigv4
