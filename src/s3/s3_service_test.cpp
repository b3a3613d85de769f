#include "s3/s3_service.h"

#include <gtest/gtest.h>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

class S3ServiceAuthTest : public S3ServiceTest {
  protected:
    void SetUp() override {
        S3ServiceTest::SetUp();
        for (const char* b : {"photos", "pics", "public", "dropbox"}) create_bucket(b);
        put_object("photos", "k", "secret data");
        put_object("pics", "k", "pics data");
        put_object("public", "k", "public data");
    }
};

TEST_F(S3ServiceAuthTest, WrongSecretUnknownKeyAndSkew) {
    Reply wrong = send(
        {.target = "/photos/k", .creds = sigv4::SigningCredentials{kAccessKey, "not-the-secret"}});
    EXPECT_EQ(wrong.status, 403);
    EXPECT_EQ(wrong.error_code(), "SignatureDoesNotMatch");
    Reply unknown =
        send({.target = "/photos/k", .creds = sigv4::SigningCredentials{"AKIDNOBODY", "x"}});
    EXPECT_EQ(unknown.status, 403);
    EXPECT_EQ(unknown.error_code(), "InvalidAccessKeyId");

    // Signed an hour ago.
    sigv4::HeaderList headers = {{"Host", "localhost:9000"}};
    sigv4::sign_request(Send::main_creds(), "GET", "/photos/k", "", headers, sigv4::sha256_hex(""),
                        clock_.now() - std::chrono::hours(1));
    Reply skewed = send({.target = "/photos/k", .headers = headers, .creds = std::nullopt});
    EXPECT_EQ(skewed.status, 403);
    EXPECT_EQ(skewed.error_code(), "RequestTimeTooSkewed");
}

TEST_F(S3ServiceAuthTest, PresignedGet) {
    std::string query =
        sigv4::presign_query(Send::main_creds(), "GET", "localhost:9000", "/photos/k", "",
                             std::chrono::seconds(600), clock_.now());
    Reply ok = send({.target = "/photos/k?" + query, .creds = std::nullopt});
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.body, "secret data");
    clock_.advance(std::chrono::seconds(601));
    Reply expired = send({.target = "/photos/k?" + query, .creds = std::nullopt});
    EXPECT_EQ(expired.status, 403);
    EXPECT_EQ(expired.error_code(), "AccessDenied");
}

TEST_F(S3ServiceAuthTest, AnonymousOnlyWherePublic) {
    Reply pub = send({.target = "/public/k", .creds = std::nullopt});
    EXPECT_EQ(pub.status, 200);
    EXPECT_EQ(pub.body, "public data");
    Reply priv = send({.target = "/photos/k", .creds = std::nullopt});
    EXPECT_EQ(priv.status, 403);
    EXPECT_EQ(priv.error_code(), "AccessDenied");
    Reply pub_write =
        send({.method = "PUT", .target = "/public/new", .body = "x", .creds = std::nullopt});
    EXPECT_EQ(pub_write.status, 403);
    Reply drop =
        send({.method = "PUT", .target = "/dropbox/new", .body = "x", .creds = std::nullopt});
    EXPECT_EQ(drop.status, 200) << drop.body;
    Reply drop_read = send({.target = "/dropbox/new", .creds = std::nullopt});
    EXPECT_EQ(drop_read.status, 403);
}

TEST_F(S3ServiceAuthTest, KeyringLimitsBucketsAndActions) {
    const sigv4::SigningCredentials reader{kReaderKey, kReaderSecret};
    Reply read = send({.target = "/pics/k", .creds = reader});
    EXPECT_EQ(read.status, 200);
    EXPECT_EQ(read.body, "pics data");
    EXPECT_EQ(send({.target = "/pics?list-type=2", .creds = reader}).status, 200);
    EXPECT_EQ(send({.target = "/photos/k", .creds = reader}).error_code(), "AccessDenied");
    EXPECT_EQ(
        send({.method = "PUT", .target = "/pics/new", .body = "x", .creds = reader}).error_code(),
        "AccessDenied");
    EXPECT_EQ(send({.method = "DELETE", .target = "/pics", .creds = reader}).error_code(),
              "AccessDenied");
    // Copying needs read access to the source too.
    ASSERT_TRUE(
        keyring_.add({"AKIDWRITER", "writer-secret", {"pics"}, {Action::kRead, Action::kWrite}})
            .is_ok());
    Reply copy = send({.method = "PUT",
                       .target = "/pics/copied",
                       .headers = {{"x-amz-copy-source", "/photos/k"}},
                       .creds = sigv4::SigningCredentials{"AKIDWRITER", "writer-secret"}});
    EXPECT_EQ(copy.error_code(), "AccessDenied");
}

TEST_F(S3ServiceAuthTest, VirtualHostedAddressing) {
    Reply r = send({.target = "/k", .host = "photos.localhost:9000"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "secret data");
    Reply list = send({.target = "/?list-type=2", .host = "photos.localhost:9000"});
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_STREQ(list.xml().child_value("Name"), "photos");
    Reply put =
        send({.method = "PUT", .target = "/a%20b", .body = "vh", .host = "pics.localhost:9000"});
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(get("/pics/a%20b").body, "vh");
}

TEST_F(S3ServiceAuthTest, CorsPreflightAndHeaders) {
    options_.cors_origins = {"https://app.example"};
    rebuild_service();
    Reply pre = send({.method = "OPTIONS",
                      .target = "/photos/k",
                      .headers = {{"Origin", "https://app.example"},
                                  {"Access-Control-Request-Method", "PUT"},
                                  {"Access-Control-Request-Headers", "content-type,x-amz-date"}},
                      .creds = std::nullopt});
    EXPECT_EQ(pre.status, 200);
    EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_NE(pre.header("Access-Control-Allow-Methods").find("PUT"), std::string::npos);
    EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), "content-type,x-amz-date");
    EXPECT_FALSE(pre.header("Access-Control-Max-Age").empty());

    Reply denied = send(
        {.method = "OPTIONS",
         .target = "/photos/k",
         .headers = {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}},
         .creds = std::nullopt});
    EXPECT_EQ(denied.status, 403);
    EXPECT_TRUE(denied.header("Access-Control-Allow-Origin").empty());
    Reply bare = send({.method = "OPTIONS", .target = "/photos/k", .creds = std::nullopt});
    EXPECT_EQ(bare.status, 400);

    Reply actual = send({.target = "/photos/k", .headers = {{"Origin", "https://app.example"}}});
    EXPECT_EQ(actual.status, 200);
    EXPECT_EQ(actual.header("Access-Control-Allow-Origin"), "https://app.example");
    EXPECT_NE(actual.header("Access-Control-Expose-Headers").find("ETag"), std::string::npos);
    Reply other = send({.target = "/photos/k", .headers = {{"Origin", "https://evil.example"}}});
    EXPECT_TRUE(other.header("Access-Control-Allow-Origin").empty());
}

TEST_F(S3ServiceAuthTest, BucketCorsRulesDecideAheadOfTheDefault) {
    EXPECT_EQ(send({.target = "/photos?cors"}).error_code(), "NoSuchCORSConfiguration");
    const std::string rules =
        "<CORSConfiguration><CORSRule><AllowedOrigin>https://only.example</AllowedOrigin>"
        "<AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule>"
        "</CORSConfiguration>";
    Reply put = send({.method = "PUT", .target = "/photos?cors", .body = rules});
    ASSERT_EQ(put.status, 200) << put.body;
    Reply got = send({.target = "/photos?cors"});
    ASSERT_EQ(got.status, 200);
    EXPECT_NE(got.body.find("<AllowedOrigin>https://only.example</AllowedOrigin>"),
              std::string::npos);
    auto preflight = [&](const std::string& origin) {
        return send({.method = "OPTIONS",
                     .target = "/photos/k",
                     .headers = {{"Origin", origin}, {"Access-Control-Request-Method", "PUT"}},
                     .creds = std::nullopt});
    };
    // The default (any origin) no longer applies to this bucket; it still does elsewhere.
    EXPECT_EQ(preflight("https://only.example").status, 200);
    EXPECT_EQ(preflight("https://app.example").status, 403);
    EXPECT_EQ(send({.method = "OPTIONS",
                    .target = "/other-bucket/k",
                    .headers = {{"Origin", "https://app.example"},
                                {"Access-Control-Request-Method", "PUT"}},
                    .creds = std::nullopt})
                  .status,
              200);
    EXPECT_EQ(send({.method = "PUT", .target = "/photos?cors", .body = "<CORSConfiguration/>"})
                  .error_code(),
              "MalformedXML");
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos?cors"}).status, 204);
    EXPECT_EQ(preflight("https://app.example").status, 200);
    EXPECT_EQ(send({.target = "/nothing-here?cors"}).error_code(), "NoSuchBucket");
}

TEST_F(S3ServiceAuthTest, BucketCorsRulesAreReadFromTheStoreOncePerChange) {
    auto rules_for = [](const std::string& origin) {
        return "<CORSConfiguration><CORSRule><AllowedOrigin>" + origin +
               "</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
    };
    auto allowed = [&](const std::string& origin) {
        return send({.target = "/photos/k", .headers = {{"Origin", origin}}})
            .header("Access-Control-Allow-Origin");
    };
    ASSERT_EQ(
        send({.method = "PUT", .target = "/photos?cors", .body = rules_for("https://a.example")})
            .status,
        200);
    EXPECT_EQ(allowed("https://a.example"), "https://a.example");
    // Changed behind the endpoint's back (as another replica would): the parsed rules in
    // memory still decide, so the store is not read and parsed on every request...
    ASSERT_TRUE(store_->put_bucket_cors("photos", rules_for("https://b.example")).is_ok());
    EXPECT_EQ(allowed("https://a.example"), "https://a.example");
    EXPECT_EQ(allowed("https://b.example"), "");
    // ...until they expire.
    clock_.advance(std::chrono::seconds(11));
    EXPECT_EQ(allowed("https://b.example"), "https://b.example");
    // PutBucketCors and DeleteBucketCors through the endpoint take effect at once.
    ASSERT_EQ(
        send({.method = "PUT", .target = "/photos?cors", .body = rules_for("https://c.example")})
            .status,
        200);
    EXPECT_EQ(allowed("https://c.example"), "https://c.example");
    ASSERT_EQ(send({.method = "DELETE", .target = "/photos?cors"}).status, 204);
    EXPECT_EQ(allowed("https://z.example"), "*");  // the server's default: any origin
}

TEST_F(S3ServiceAuthTest, MethodsAndPostsThatAreNotOperations) {
    Reply patch = send({.method = "PATCH", .target = "/photos/k"});
    EXPECT_EQ(patch.status, 405);
    EXPECT_EQ(patch.error_code(), "MethodNotAllowed");
    Reply post = send({.method = "POST",
                       .target = "/photos",
                       .body = "a=b",
                       .headers = {{"Content-Type", "application/x-www-form-urlencoded"}}});
    EXPECT_EQ(post.status, 412);
    EXPECT_EQ(post.error_code(), "PreconditionFailed");
    EXPECT_EQ(send({.method = "PUT", .target = "/photos/k?tagging", .body = "<Tagging/>"}).status,
              501);
    Reply bad_bucket = get("/a/k");
    EXPECT_EQ(bad_bucket.error_code(), "InvalidBucketName");
    EXPECT_EQ(bad_bucket.header("x-amz-request-id"), "req-test-1");
}

}  // namespace
}  // namespace imgpipe::s3::testing
