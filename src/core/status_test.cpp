#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace imgpipe {
namespace {

Result<int> half(int n) {
    if (n % 2) return invalid_argument("Odd", std::to_string(n) + " is odd");
    return n / 2;
}

Result<int> quarter(int n) {
    IMGPIPE_ASSIGN_OR_RETURN(int h, half(n));
    return half(h);
}

TEST(StatusTest, OkByDefault) {
    Status s;
    EXPECT_TRUE(s.is_ok());
    EXPECT_EQ(s.to_string(), "Ok");
}

TEST(StatusTest, CarriesCodeReasonAndMessage) {
    Status s = not_found("NoSuchKey", "a/b");
    EXPECT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    EXPECT_EQ(s.reason(), "NoSuchKey");
    EXPECT_EQ(s.with_context("get").message(), "get: a/b");
    EXPECT_EQ(s.to_string(), "NotFound/NoSuchKey: a/b");
}

TEST(StatusTest, TransientCodes) {
    EXPECT_TRUE(io_error("x").is_transient());
    EXPECT_FALSE(invalid_argument("", "x").is_transient());
}

TEST(ResultTest, ValueOrStatusPropagates) {
    EXPECT_EQ(*quarter(8), 2);
    auto r = quarter(6);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().reason(), "Odd");
    EXPECT_EQ(r.status().message(), "3 is odd");
}

}  // namespace
}  // namespace imgpipe
