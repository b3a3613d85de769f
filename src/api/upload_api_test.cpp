#include "api/upload_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace imgpipe::api {
namespace {

using nlohmann::json;

UploadApiOptions options() {
    UploadApiOptions o;
    o.bucket = "uploads";
    o.bucket_url = "http://127.0.0.1:9000/uploads";
    o.access_key = "AKID";
    o.secret_key = "secret-key-1234";
    o.rate_per_second = 1;
    o.rate_burst = 5;
    return o;
}

// A request as the server hands it to a handler.
struct TestRequest {
    http::Request request;
    StringByteSource body;

    TestRequest(std::string method, std::string path, const std::string& text,
                std::string remote = "127.0.0.1")
        : body(text) {
        request.method = std::move(method);
        request.path = path;
        request.target = std::move(path);
        request.content_length = text.size();
        request.body = &body;
        request.remote_address = std::move(remote);
        request.request_id = "req-1";
    }
};

json error_of(const http::Response& r) {
    json body = json::parse(r.body);
    EXPECT_TRUE(body["error"]["code"].is_string());
    EXPECT_TRUE(body["error"]["message"].is_string());
    return body["error"];
}

TEST(UploadApiTest, AnswersTheSeedRequestWithAPresignedPost) {
    FakeClock clock;
    UploadApi api(options(), clock);
    TestRequest t("POST", "/upload-image", R"({"filename":"cat.jpg"})");
    http::Response r = api.handle_upload(t.request);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get_or("Content-Type", ""), "application/json");
    EXPECT_EQ(r.headers.get_or("Cache-Control", ""), "no-store");
    json body = json::parse(r.body);
    const std::string id = body["id"];
    EXPECT_EQ(id.size(), 22u);
    EXPECT_EQ(
        id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    EXPECT_EQ(body["key"], "uploads/" + id + "/cat.jpg");
    EXPECT_EQ(body["statusUrl"], "/images/" + id);
    EXPECT_EQ(body["url"], "http://127.0.0.1:9000/uploads");
    EXPECT_EQ(body["fields"]["key"], body["key"]);
    EXPECT_EQ(body["fields"]["Content-Type"], "image/jpeg");
    EXPECT_TRUE(body["fields"]["policy"].is_string());
    EXPECT_EQ(body["fields"]["x-amz-signature"].get<std::string>().size(), 64u);
}

TEST(UploadApiTest, IdsAreUniquePerRequest) {
    FakeClock clock;
    UploadApiOptions o = options();
    o.rate_burst = 1000;
    UploadApi api(o, clock);
    std::set<std::string> ids;
    for (int i = 0; i < 200; ++i) {
        TestRequest t("POST", "/v1/uploads", R"({"filename":"cat.jpg"})");
        ids.insert(json::parse(api.handle_upload(t.request).body)["id"].get<std::string>());
    }
    EXPECT_EQ(ids.size(), 200u);
}

TEST(UploadApiTest, BadInputIsAJson4xx) {
    FakeClock clock;
    UploadApiOptions o = options();
    o.rate_burst = 1000;
    UploadApi api(o, clock);
    struct Case {
        std::string body;
        int status;
        std::string code;
    };
    for (const Case& c : std::vector<Case>{
             {"", 400, "InvalidJson"},
             {"not json", 400, "InvalidJson"},
             {R"({"filename":"../x.exe"})", 415, "UnsupportedMediaType"},
             {R"({"filename":"x.jpg","size":999999999999})", 413, "EntityTooLarge"},
             {R"({"filename":true})", 400, "InvalidRequest"},
         }) {
        SCOPED_TRACE(c.body);
        TestRequest t("POST", "/upload-image", c.body);
        http::Response r = api.handle_upload(t.request);
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(error_of(r)["code"], c.code);
    }
}

TEST(UploadApiTest, HugeBodyIs413WithoutReadingIt) {
    FakeClock clock;
    UploadApi api(options(), clock);
    TestRequest t("POST", "/upload-image",
                  "{\"filename\":\"" + std::string(64 * 1024, 'a') + "\"}");
    http::Response r = api.handle_upload(t.request);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(error_of(r)["code"], "RequestTooLarge");
    EXPECT_TRUE(r.close);
    // A body whose length was not declared (chunked) is cut off at the limit too.
    TestRequest chunked("POST", "/upload-image",
                        "{\"filename\":\"" + std::string(64 * 1024, 'a') + "\"}");
    chunked.request.content_length.reset();
    r = api.handle_upload(chunked.request);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(error_of(r)["code"], "RequestTooLarge");
}

TEST(UploadApiTest, RateLimitAnswers429WithRetryAfterBeforeTheBody) {
    FakeClock clock;
    UploadApi api(options(), clock);  // 1/s, burst 5
    for (int i = 0; i < 5; ++i) {
        TestRequest t("POST", "/upload-image", R"({"filename":"a.png"})", "10.1.1.1");
        EXPECT_FALSE(api.admit_upload(t.request).has_value()) << i;
    }
    TestRequest t("POST", "/upload-image", R"({"filename":"a.png"})", "10.1.1.1");
    t.request.headers.add("Origin", "https://app.example");
    t.request.body = nullptr;  // as the server calls the gate: nothing read yet
    auto r = api.admit_upload(t.request);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(error_of(*r)["code"], "TooManyRequests");
    EXPECT_EQ(r->headers.get_or("Retry-After", ""), "1");
    EXPECT_EQ(r->headers.get_or("Access-Control-Allow-Origin", ""), "*");
    // Another client is not affected; the same one is served again after a second.
    TestRequest other("POST", "/upload-image", R"({"filename":"a.png"})", "10.1.1.2");
    EXPECT_FALSE(api.admit_upload(other.request).has_value());
    clock.advance(std::chrono::seconds(1));
    TestRequest again("POST", "/upload-image", R"({"filename":"a.png"})", "10.1.1.1");
    EXPECT_FALSE(api.admit_upload(again.request).has_value());
}

TEST(UploadApiTest, UploadRoutesDeclareTheirBodyCapAndRefuseADeclaredHugeBodyUnread) {
    FakeClock clock;
    UploadApi api(options(), clock);
    http::Router router;
    api.add_routes(router);
    auto post = router.match("POST", "/upload-image");
    ASSERT_NE(post.route, nullptr);
    EXPECT_EQ(post.route->options.max_body, UploadApiOptions{}.max_request_bytes);
    ASSERT_TRUE(post.route->options.gate);
    http::Request req;  // a header only: 1 GiB declared, no body to read
    req.method = "POST";
    req.path = req.target = "/upload-image";
    req.content_length = uint64_t{1} << 30;
    req.remote_address = "10.9.9.9";
    auto r = post.route->options.gate(req);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(error_of(*r)["code"], "RequestTooLarge");
    EXPECT_TRUE(r->close);
}

TEST(UploadApiTest, ResponsesCarryCorsHeaders) {
    FakeClock clock;
    UploadApiOptions o = options();
    o.cors_origins = {"https://app.example"};
    UploadApi api(o, clock);
    TestRequest ok("POST", "/upload-image", R"({"filename":"a.png"})");
    ok.request.headers.add("Origin", "https://app.example");
    EXPECT_EQ(api.handle_upload(ok.request).headers.get_or("Access-Control-Allow-Origin", ""),
              "https://app.example");
    TestRequest bad("POST", "/upload-image", "nope");
    bad.request.headers.add("Origin", "https://app.example");
    http::Response r = api.handle_upload(bad.request);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.headers.get_or("Access-Control-Allow-Origin", ""), "https://app.example");
}

TEST(UploadApiTest, RoutesCoverBothPathsPreflightWrongMethodAndHealth) {
    FakeClock clock;
    UploadApi api(options(), clock);
    http::Router router;
    api.add_routes(router);

    for (const char* path : {"/upload-image", "/v1/uploads"}) {
        SCOPED_TRACE(path);
        auto post = router.match("POST", path);
        ASSERT_NE(post.route, nullptr);
        EXPECT_EQ(post.route->options.execution, http::Execution::kInline);
        TestRequest t("POST", path, R"({"filename":"a.webp"})");
        EXPECT_EQ(post.route->handler(t.request).status, 200);

        auto options_match = router.match("OPTIONS", path);
        ASSERT_NE(options_match.route, nullptr);
        TestRequest pre("OPTIONS", path, "");
        pre.request.headers.add("Origin", "https://x.example");
        pre.request.headers.add("Access-Control-Request-Method", "POST");
        http::Response pr = options_match.route->handler(pre.request);
        EXPECT_EQ(pr.status, 204);
        EXPECT_EQ(pr.headers.get_or("Access-Control-Allow-Methods", ""), "POST, OPTIONS");
        EXPECT_EQ(pr.headers.get_or("Access-Control-Allow-Origin", ""), "*");
        EXPECT_TRUE(pr.headers.has("Access-Control-Max-Age"));

        for (const char* method : {"GET", "PUT", "DELETE"}) {
            auto m = router.match(method, path);
            ASSERT_NE(m.route, nullptr) << method;
            TestRequest w(method, path, "");
            http::Response wr = m.route->handler(w.request);
            EXPECT_EQ(wr.status, 405);
            EXPECT_EQ(error_of(wr)["code"], "MethodNotAllowed");
            EXPECT_EQ(wr.headers.get_or("Allow", ""), "POST, OPTIONS");
        }
    }
    auto health = router.match("GET", "/healthz");
    ASSERT_NE(health.route, nullptr);
    TestRequest h("GET", "/healthz", "");
    http::Response hr = health.route->handler(h.request);
    EXPECT_EQ(hr.status, 200);
    EXPECT_EQ(json::parse(hr.body)["status"], "ok");
}

TEST(UploadApiTest, SignsWithTheInjectedClock) {
    FakeClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1767323045)));
    UploadApi api(options(), clock);
    TestRequest t("POST", "/upload-image", R"({"filename":"a.png"})");
    json body = json::parse(api.handle_upload(t.request).body);
    EXPECT_EQ(body["fields"]["x-amz-date"], "20260102T030405Z");
    EXPECT_EQ(body["expiresAt"], "2026-01-02T03:19:05Z");
}

}  // namespace
}  // namespace imgpipe::api
