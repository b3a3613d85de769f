#include "api/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace imgpipe::api {
namespace {

nlohmann::json body_of(const http::Response& r) { return nlohmann::json::parse(r.body); }

TEST(ApiErrorTest, AnUnreachableBackendIs503WithRetryAfterAndNoDetail) {
    auto r = error_response(
        Status(StatusCode::kUnavailable, "RedisUnavailable", "connect 127.0.0.1:6390: refused"),
        "req-1");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.headers.get("Retry-After").value_or(""), "1");
    EXPECT_EQ(body_of(r)["error"]["code"], "ServiceUnavailable");
    EXPECT_EQ(r.body.find("127.0.0.1"), std::string::npos) << r.body;
}

TEST(ApiErrorTest, OtherInternalFaultsStay500WithoutDetail) {
    auto r = error_response(Status(StatusCode::kInternal, "Bug", "index row 42 unreadable"), "r");
    EXPECT_EQ(r.status, 500);
    EXPECT_FALSE(r.headers.get("Retry-After").has_value());
    EXPECT_EQ(body_of(r)["error"]["code"], "InternalError");
    EXPECT_EQ(r.body.find("row 42"), std::string::npos) << r.body;
}

TEST(ApiErrorTest, AKnownReasonKeepsItsStatusWhateverItsCode) {
    auto r = error_response(Status(StatusCode::kUnavailable, "TooManyRequests", "slow down"), "r");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(body_of(r)["error"]["code"], "TooManyRequests");
}

}  // namespace
}  // namespace imgpipe::api
