#include "http/router.h"

#include <gtest/gtest.h>

namespace imgpipe::http {
namespace {

Handler named(const std::string& name) {
    return [name](Request&) { return Response::text(200, name, "text/plain"); };
}

std::string run(const Router::Match& m) {
    Request req;
    return m.route->handler(req).body;
}

TEST(RouterTest, MatchesLiteralPath) {
    Router r;
    r.add("GET", "/healthz", named("health"));
    auto m = r.match("GET", "/healthz");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(run(m), "health");
    EXPECT_TRUE(m.params.empty());
}

TEST(RouterTest, UnknownPathHasNoRoute) {
    Router r;
    r.add("GET", "/healthz", named("health"));
    auto m = r.match("GET", "/nope");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_FALSE(m.path_exists);
    EXPECT_EQ(r.match("GET", "/healthz/extra").route, nullptr);
    EXPECT_EQ(r.match("GET", "/health").route, nullptr);
}

TEST(RouterTest, WrongMethodReportsPathExists) {
    Router r;
    r.add("GET", "/images/{id}", named("get"));
    auto m = r.match("DELETE", "/images/42");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_exists);
}

TEST(RouterTest, ExtractsDecodedParams) {
    Router r;
    r.add("GET", "/images/{id}/variants/{name}", named("variant"));
    auto m = r.match("GET", "/images/a%20b/variants/thumb%2Fsmall");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("id"), "a b");
    EXPECT_EQ(m.params.at("name"), "thumb/small");
}

TEST(RouterTest, ParamSegmentMustBeNonEmpty) {
    Router r;
    r.add("GET", "/images/{id}", named("get"));
    EXPECT_EQ(r.match("GET", "/images/").route, nullptr);
}

TEST(RouterTest, GreedyParamTakesRestOfPath) {
    Router r;
    r.add("PUT", "/{bucket}/{key+}", named("object"));
    auto m = r.match("PUT", "/uploads/a/b%2Bc/d.jpg");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("bucket"), "uploads");
    EXPECT_EQ(m.params.at("key"), "a/b+c/d.jpg");
    EXPECT_EQ(r.match("PUT", "/uploads/").route, nullptr);
    EXPECT_EQ(r.match("PUT", "/uploads").route, nullptr);
}

TEST(RouterTest, FirstMatchingRouteWins) {
    Router r;
    r.add("GET", "/images/latest", named("latest"));
    r.add("GET", "/images/{id}", named("by-id"));
    EXPECT_EQ(run(r.match("GET", "/images/latest")), "latest");
    EXPECT_EQ(run(r.match("GET", "/images/7")), "by-id");
}

TEST(RouterTest, EmptyMethodMatchesAny) {
    Router r;
    r.add("", "/any", named("any"));
    EXPECT_NE(r.match("PATCH", "/any").route, nullptr);
}

TEST(RouterTest, HeadFallsBackToGetButPrefersHeadRoute) {
    Router r;
    r.add("GET", "/a", named("get-a"));
    r.add("GET", "/b", named("get-b"));
    r.add("HEAD", "/b", named("head-b"));
    EXPECT_EQ(run(r.match("HEAD", "/a")), "get-a");
    EXPECT_EQ(run(r.match("HEAD", "/b")), "head-b");
}

TEST(RouterTest, FallbackCatchesUnknownPathsButNot405) {
    Router r;
    r.add("POST", "/uploads", named("upload"));
    r.set_fallback(named("fallback"), Execution::kInline);
    auto m = r.match("GET", "/some/thing");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(run(m), "fallback");
    EXPECT_EQ(m.route->options.execution, Execution::kInline);
    auto wrong = r.match("GET", "/uploads");
    EXPECT_EQ(wrong.route, nullptr);
    EXPECT_TRUE(wrong.path_exists);
}

TEST(RouterTest, RootPattern) {
    Router r;
    r.add("GET", "/", named("root"));
    EXPECT_NE(r.match("GET", "/").route, nullptr);
    EXPECT_EQ(r.match("GET", "/x").route, nullptr);
    EXPECT_EQ(r.match("GET", "").route, nullptr);
}

TEST(RouterTest, KeepsExecutionKind) {
    Router r;
    r.add("GET", "/fast", named("fast"), Execution::kInline);
    r.add("PUT", "/slow", named("slow"));
    EXPECT_EQ(r.match("GET", "/fast").route->options.execution, Execution::kInline);
    EXPECT_EQ(r.match("PUT", "/slow").route->options.execution, Execution::kBlocking);
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsInvalidOnes) {
    EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
    EXPECT_EQ(percent_decode("100%"), "100%");
    EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
    EXPECT_EQ(percent_decode("a+b"), "a+b");
    EXPECT_EQ(percent_decode("%E2%82%AC"), "\xE2\x82\xAC");
}

TEST(ResponseTest, TextAndJsonErrorSetContentType) {
    auto t = Response::text(201, "hi", "text/plain");
    EXPECT_EQ(t.status, 201);
    EXPECT_EQ(t.body, "hi");
    EXPECT_EQ(t.headers.get_or("content-type", ""), "text/plain");
    auto e = Response::json_error(404, "NotFound", "say \"hi\"");
    EXPECT_EQ(e.body, R"({"error":{"code":"NotFound","message":"say \"hi\""}})");
    EXPECT_EQ(e.headers.get_or("Content-Type", ""), "application/json");
}

}  // namespace
}  // namespace imgpipe::http
