#include "api/cors.h"

#include <gtest/gtest.h>

namespace imgpipe::api {
namespace {

http::Request request_from(const char* origin) {
    http::Request r;
    r.method = "POST";
    if (origin) r.headers.add("Origin", origin);
    return r;
}

TEST(CorsPolicyTest, WildcardAllowsAnyOrigin) {
    CorsPolicy cors({"*"});
    http::Response resp;
    cors.apply(request_from("https://app.example"), resp);
    EXPECT_EQ(resp.headers.get_or("Access-Control-Allow-Origin", ""), "*");
    EXPECT_FALSE(resp.headers.has("Vary"));
}

TEST(CorsPolicyTest, ListedOriginIsEchoedWithVary) {
    CorsPolicy cors({"https://a.example", "https://b.example"});
    http::Response resp;
    cors.apply(request_from("https://b.example"), resp);
    EXPECT_EQ(resp.headers.get_or("Access-Control-Allow-Origin", ""), "https://b.example");
    EXPECT_EQ(resp.headers.get_or("Vary", ""), "Origin");

    http::Response other;
    cors.apply(request_from("https://evil.example"), other);
    EXPECT_FALSE(other.headers.has("Access-Control-Allow-Origin"));
    http::Response none;
    cors.apply(request_from(nullptr), none);
    EXPECT_FALSE(none.headers.has("Access-Control-Allow-Origin"));
}

TEST(CorsPolicyTest, PreflightAnswersMethodsHeadersAndMaxAge) {
    CorsPolicy cors({"*"}, std::chrono::seconds(600));
    http::Request req = request_from("https://app.example");
    req.method = "OPTIONS";
    req.headers.add("Access-Control-Request-Method", "POST");
    req.headers.add("Access-Control-Request-Headers", "content-type, x-requested-with");
    http::Response r = cors.preflight(req, "POST, OPTIONS");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.headers.get_or("Access-Control-Allow-Origin", ""), "*");
    EXPECT_EQ(r.headers.get_or("Access-Control-Allow-Methods", ""), "POST, OPTIONS");
    EXPECT_EQ(r.headers.get_or("Access-Control-Allow-Headers", ""),
              "content-type, x-requested-with");
    EXPECT_EQ(r.headers.get_or("Access-Control-Max-Age", ""), "600");
}

TEST(CorsPolicyTest, PreflightWithOddRequestedHeadersFallsBackToContentType) {
    CorsPolicy cors({"*"});
    http::Request req = request_from("https://app.example");
    req.headers.add("Access-Control-Request-Method", "POST");
    req.headers.add("Access-Control-Request-Headers", "x\r\nSet-Cookie: a=b");
    EXPECT_EQ(cors.preflight(req, "POST").headers.get_or("Access-Control-Allow-Headers", ""),
              "Content-Type");
}

TEST(CorsPolicyTest, PreflightFromUnlistedOriginIsForbidden) {
    CorsPolicy cors({"https://a.example"});
    http::Request req = request_from("https://evil.example");
    req.headers.add("Access-Control-Request-Method", "POST");
    http::Response r = cors.preflight(req, "POST, OPTIONS");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("CorsNotAllowed"), std::string::npos);
    EXPECT_FALSE(r.headers.has("Access-Control-Allow-Origin"));
}

TEST(CorsPolicyTest, PlainOptionsListsAllowedMethods) {
    CorsPolicy cors({"*"});
    http::Request req = request_from(nullptr);
    http::Response r = cors.preflight(req, "POST, OPTIONS");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.headers.get_or("Allow", ""), "POST, OPTIONS");
    EXPECT_FALSE(r.headers.has("Access-Control-Allow-Origin"));
}

}  // namespace
}  // namespace imgpipe::api
