// CORS rules as S3 evaluates them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
// and the PutBucketCors reference): parsing and validation, then matching through the preflight
// and actual-request answers.
#include "s3/cors.h"

#include <gtest/gtest.h>

namespace imgpipe::s3 {
namespace {

// The first example configuration of AWS's CORS guide.
constexpr const char* kAwsExample = R"(<CORSConfiguration>
 <CORSRule>
   <AllowedOrigin>http://www.example1.com</AllowedOrigin>
   <AllowedMethod>PUT</AllowedMethod>
   <AllowedMethod>POST</AllowedMethod>
   <AllowedMethod>DELETE</AllowedMethod>
   <AllowedHeader>*</AllowedHeader>
 </CORSRule>
 <CORSRule>
   <AllowedOrigin>http://www.example2.com</AllowedOrigin>
   <AllowedMethod>PUT</AllowedMethod>
   <AllowedMethod>POST</AllowedMethod>
   <AllowedMethod>DELETE</AllowedMethod>
   <AllowedHeader>*</AllowedHeader>
 </CORSRule>
 <CORSRule>
   <AllowedOrigin>*</AllowedOrigin>
   <AllowedMethod>GET</AllowedMethod>
 </CORSRule>
</CORSConfiguration>)";

http::Request preflight(std::string origin, std::string method, std::string headers = "") {
    http::Request r;
    r.method = "OPTIONS";
    r.path = "/bucket/key";
    r.headers.add("Origin", std::move(origin));
    r.headers.add("Access-Control-Request-Method", std::move(method));
    if (!headers.empty()) r.headers.add("Access-Control-Request-Headers", std::move(headers));
    return r;
}

CorsConfig parse(std::string_view xml) {
    auto config = parse_cors_config(xml);
    EXPECT_TRUE(config.is_ok()) << config.status().to_string();
    return config.is_ok() ? std::move(config).value() : CorsConfig{};
}

TEST(CorsTest, ParsesAndRendersAwsExample) {
    CorsConfig config = parse(kAwsExample);
    ASSERT_EQ(config.rules.size(), 3u);
    EXPECT_EQ(config.rules[0].allowed_methods, (std::vector<std::string>{"PUT", "POST", "DELETE"}));
    EXPECT_EQ(config.rules[2].allowed_origins, (std::vector<std::string>{"*"}));
    // What GetBucketCors answers parses back to the same rules.
    CorsConfig again = parse(render_cors_config(config));
    ASSERT_EQ(again.rules.size(), 3u);
    EXPECT_EQ(again.rules[1].allowed_origins, config.rules[1].allowed_origins);
    EXPECT_EQ(again.rules[1].allowed_headers, config.rules[1].allowed_headers);
}

TEST(CorsTest, RefusesWhatS3Refuses) {
    auto reason = [](std::string_view xml) { return parse_cors_config(xml).status().reason(); };
    EXPECT_EQ(reason("<CORSConfiguration/>"), "MalformedXML");
    EXPECT_EQ(reason("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>"
                     "</CORSRule></CORSConfiguration>"),
              "MalformedXML");
    EXPECT_EQ(reason("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                     "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"),
              "InvalidRequest");
    EXPECT_EQ(reason("<CORSConfiguration><CORSRule><AllowedOrigin>http://*.*.com</AllowedOrigin>"
                     "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"),
              "InvalidRequest");
    EXPECT_EQ(reason("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                     "<AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds>"
                     "</CORSRule></CORSConfiguration>"),
              "MalformedXML");
    std::string many = "<CORSConfiguration>";
    for (int i = 0; i < 101; ++i) {
        many +=
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
            "</CORSRule>";
    }
    EXPECT_EQ(reason(many + "</CORSConfiguration>"), "MalformedXML");
    EXPECT_EQ(reason("<NotCors/>"), "MalformedXML");
}

TEST(CorsTest, PreflightFollowsTheFirstMatchingRule) {
    CorsConfig config = parse(kAwsExample);
    http::Response put = cors_preflight(
        config, preflight("http://www.example1.com", "PUT", "Content-Type, X-Amz-Date"));
    EXPECT_EQ(put.status, 200);
    EXPECT_EQ(put.headers.get_or("Access-Control-Allow-Origin", ""), "http://www.example1.com");
    EXPECT_EQ(put.headers.get_or("Access-Control-Allow-Methods", ""), "PUT, POST, DELETE");
    EXPECT_EQ(put.headers.get_or("Access-Control-Allow-Headers", ""), "Content-Type, X-Amz-Date");
    EXPECT_EQ(put.headers.get_or("Access-Control-Allow-Credentials", ""), "true");

    // GET from anywhere matches the third rule, which allows any origin but no headers.
    http::Response get = cors_preflight(config, preflight("http://elsewhere.example", "GET"));
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.headers.get_or("Access-Control-Allow-Origin", ""), "*");
    EXPECT_FALSE(get.headers.has("Access-Control-Allow-Credentials"));
    EXPECT_EQ(
        cors_preflight(config, preflight("http://elsewhere.example", "GET", "x-custom")).status,
        403);
    // PUT from an origin no PUT rule names.
    http::Response denied = cors_preflight(config, preflight("http://elsewhere.example", "PUT"));
    EXPECT_EQ(denied.status, 403);
    EXPECT_NE(denied.body.find("AccessForbidden"), std::string::npos);
    EXPECT_EQ(cors_preflight(config, http::Request{}).status, 400);
}

TEST(CorsTest, WildcardsInOriginsAndHeaders) {
    CorsConfig config = parse(
        "<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin>"
        "<AllowedMethod>POST</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader>"
        "<AllowedHeader>Content-Type</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
        "<MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>");
    http::Response ok = cors_preflight(
        config, preflight("https://app.example.com", "POST", "x-amz-date,content-type"));
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.headers.get_or("Access-Control-Max-Age", ""), "600");
    EXPECT_EQ(ok.headers.get_or("Access-Control-Expose-Headers", ""), "ETag");
    EXPECT_EQ(cors_preflight(config, preflight("https://example.com", "POST")).status, 403);
    EXPECT_EQ(cors_preflight(config, preflight("http://app.example.com", "POST")).status, 403);
    EXPECT_EQ(cors_preflight(config, preflight("https://app.example.com", "POST", "authorization"))
                  .status,
              403);
}

TEST(CorsTest, ActualRequestsGetHeadersOnlyWhenARuleMatches) {
    CorsConfig config = parse(kAwsExample);
    http::Request request;
    request.method = "DELETE";
    request.headers.add("Origin", "http://www.example2.com");
    http::Response response;
    add_cors_headers(config, request, response);
    EXPECT_EQ(response.headers.get_or("Access-Control-Allow-Origin", ""),
              "http://www.example2.com");

    request.method = "HEAD";  // no rule allows HEAD
    http::Response none;
    add_cors_headers(config, request, none);
    EXPECT_FALSE(none.headers.has("Access-Control-Allow-Origin"));
}

}  // namespace
}  // namespace imgpipe::s3
