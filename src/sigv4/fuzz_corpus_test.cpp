// Replays every file of fuzz/corpus/aws_chunked through the fuzz target's code, so the normal
// build (no clang, no libFuzzer) keeps the seeds and any saved crash inputs passing.

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "aws_chunked_driver.h"
#include "sigv4/test_util.h"

namespace imgpipe::sigv4 {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> corpus_files() {
    std::vector<std::string> out;
    fs::path dir = fs::path(IMGPIPE_SOURCE_DIR) / "fuzz" / "corpus" / "aws_chunked";
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST(AwsChunkedCorpusTest, HasSeeds) { EXPECT_GE(corpus_files().size(), 5u); }

TEST(AwsChunkedCorpusTest, EveryFileDecodesOrFailsCleanly) {
    const std::set<std::string> kReasons = {
        "IncompleteBody",        "InvalidRequest", "MalformedTrailerError",
        "SignatureDoesNotMatch", "BadDigest",      "InvalidArgument"};
    for (const std::string& path : corpus_files()) {
        std::string bytes = testing::read_file(path);
        auto outcome = fuzzing::run_aws_chunked_input(
            reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
        std::string name = fs::path(path).filename().string();
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
