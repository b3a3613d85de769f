#include "s3/conditions.h"

#include <gtest/gtest.h>

#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

std::optional<store::ByteRange> range(std::string_view header, uint64_t size) {
    auto r = resolve_range(header, size);
    EXPECT_TRUE(r.is_ok()) << header;
    return r.is_ok() ? *r : std::nullopt;
}

TEST(ConditionsTest, ResolvesClosedOpenAndSuffixRanges) {
    auto closed = range("bytes=0-9", 100);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->first, 0u);
    EXPECT_EQ(closed->last, 9u);
    auto clipped = range("bytes=90-200", 100);
    ASSERT_TRUE(clipped);
    EXPECT_EQ(clipped->last, 99u);
    auto open = range("bytes=95-", 100);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->first, 95u);
    EXPECT_EQ(open->last, 99u);
    auto suffix = range("bytes=-10", 100);
    ASSERT_TRUE(suffix);
    EXPECT_EQ(suffix->first, 90u);
    EXPECT_EQ(suffix->last, 99u);
    auto big_suffix = range("bytes=-1000", 100);
    ASSERT_TRUE(big_suffix);
    EXPECT_EQ(big_suffix->first, 0u);
}

TEST(ConditionsTest, IgnoresRangesS3Ignores) {
    EXPECT_FALSE(resolve_range(std::nullopt, 100).value());
    EXPECT_FALSE(range("items=0-1", 100));
    EXPECT_FALSE(range("bytes=0-1,5-6", 100));
    EXPECT_FALSE(range("bytes=abc", 100));
    EXPECT_FALSE(range("bytes=5-2", 100));
}

TEST(ConditionsTest, UnsatisfiableRangesAreInvalidRange) {
    EXPECT_EQ(resolve_range("bytes=100-", 100).status().reason(), "InvalidRange");
    EXPECT_EQ(resolve_range("bytes=100-200", 100).status().reason(), "InvalidRange");
    EXPECT_EQ(resolve_range("bytes=-0", 100).status().reason(), "InvalidRange");
    EXPECT_EQ(resolve_range("bytes=0-", 0).status().reason(), "InvalidRange");
}

class PreconditionTest : public ::testing::Test {
  protected:
    Precondition eval(const std::vector<std::pair<std::string, std::string>>& hs) {
        http::Headers headers;
        for (auto& [n, v] : hs) headers.add(n, v);
        return evaluate_preconditions(headers, "abc", modified_);
    }
    system_clock::time_point modified_ = system_clock::from_time_t(1'700'000'000);
    std::string before_ = http_date(modified_ - seconds(3600));
    std::string after_ = http_date(modified_ + seconds(3600));
};

TEST_F(PreconditionTest, IfMatchAndIfNoneMatch) {
    EXPECT_EQ(eval({}), Precondition::kProceed);
    EXPECT_EQ(eval({{"If-Match", "\"abc\""}}), Precondition::kProceed);
    EXPECT_EQ(eval({{"If-Match", "\"zzz\", \"abc\""}}), Precondition::kProceed);
    EXPECT_EQ(eval({{"If-Match", "*"}}), Precondition::kProceed);
    EXPECT_EQ(eval({{"If-Match", "\"zzz\""}}), Precondition::kFailed);
    EXPECT_EQ(eval({{"If-None-Match", "\"abc\""}}), Precondition::kNotModified);
    EXPECT_EQ(eval({{"If-None-Match", "\"zzz\""}}), Precondition::kProceed);
}

TEST_F(PreconditionTest, DatesAndS3Precedence) {
    EXPECT_EQ(eval({{"If-Modified-Since", after_}}), Precondition::kNotModified);
    EXPECT_EQ(eval({{"If-Modified-Since", before_}}), Precondition::kProceed);
    EXPECT_EQ(eval({{"If-Unmodified-Since", before_}}), Precondition::kFailed);
    EXPECT_EQ(eval({{"If-Unmodified-Since", after_}}), Precondition::kProceed);
    // If-Match true wins over a failing If-Unmodified-Since.
    EXPECT_EQ(eval({{"If-Match", "\"abc\""}, {"If-Unmodified-Since", before_}}),
              Precondition::kProceed);
    // If-None-Match false wins over a true If-Modified-Since... which then is ignored: 200.
    EXPECT_EQ(eval({{"If-None-Match", "\"zzz\""}, {"If-Modified-Since", after_}}),
              Precondition::kProceed);
    // A failed If-Match is reported before If-None-Match.
    EXPECT_EQ(eval({{"If-Match", "\"zzz\""}, {"If-None-Match", "\"abc\""}}), Precondition::kFailed);
    // Garbage dates are ignored.
    EXPECT_EQ(eval({{"If-Modified-Since", "yesterday"}}), Precondition::kProceed);
}

TEST_F(PreconditionTest, CopySourcePrefix) {
    http::Headers headers;
    headers.add("x-amz-copy-source-if-match", "\"zzz\"");
    headers.add("If-Match", "\"abc\"");
    EXPECT_EQ(evaluate_preconditions(headers, "abc", modified_, "x-amz-copy-source-"),
              Precondition::kFailed);
}

TEST(XmlTest, HttpDatesRoundTrip) {
    auto t = system_clock::from_time_t(1'700'000'000);
    EXPECT_EQ(http_date(t), "Tue, 14 Nov 2023 22:13:20 GMT");
    EXPECT_EQ(iso8601(t + std::chrono::milliseconds(5)), "2023-11-14T22:13:20.005Z");
    EXPECT_EQ(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT"), t);
    EXPECT_EQ(parse_http_date("Tuesday, 14-Nov-23 22:13:20 GMT"), t);
    EXPECT_EQ(parse_http_date("Tue Nov 14 22:13:20 2023"), t);
    EXPECT_FALSE(parse_http_date("14 Nov 2023").has_value());
}

}  // namespace
}  // namespace imgpipe::s3
