#include "api/presigned_post.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/time_text.h"
#include "sigv4/post_policy.h"
#include "sigv4/sigv4.h"

namespace imgpipe::api {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// 2026-01-02T03:04:05Z
const TimePoint kNow = TimePoint(seconds(1767323045));

PresignOptions options() {
    PresignOptions o;
    o.bucket = "uploads";
    o.bucket_url = "http://127.0.0.1:9000/uploads";
    o.region = "eu-west-3";
    o.access_key = "AKIDEXAMPLE";
    o.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    return o;
}

UploadRequest request() {
    UploadRequest r;
    r.filename = "cat.jpg";
    r.content_type = "image/jpeg";
    return r;
}

class OneKey final : public sigv4::CredentialProvider {
  public:
    std::optional<std::string> secret_for(std::string_view id) const override {
        if (id == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        return std::nullopt;
    }
};

std::map<std::string, std::string> fields_of(const PresignedPost& p) {
    return {p.fields.begin(), p.fields.end()};
}

TEST(PresignedPostTest, Iso8601HasWholeSecondsInUtc) {
    EXPECT_EQ(iso8601(kNow), "2026-01-02T03:04:05Z");
    EXPECT_EQ(iso8601(kNow + std::chrono::milliseconds(999)), "2026-01-02T03:04:05Z");
}

TEST(PresignedPostTest, PolicyPinsEveryCondition) {
    UploadRequest req = request();
    req.variants_metadata = R"([{"width":64,"height":64}])";
    PresignedPost p = build_presigned_post(options(), req, "abcDEF123_-", kNow);
    auto f = fields_of(p);

    EXPECT_EQ(p.url, "http://127.0.0.1:9000/uploads");
    EXPECT_EQ(p.id, "abcDEF123_-");
    EXPECT_EQ(p.key, "uploads/abcDEF123_-/cat.jpg");
    EXPECT_EQ(p.status_url, "/images/abcDEF123_-");
    EXPECT_EQ(p.expires_at, "2026-01-02T03:19:05Z");
    EXPECT_EQ(f["key"], p.key);
    EXPECT_EQ(f["Content-Type"], "image/jpeg");
    EXPECT_EQ(f["success_action_status"], "204");
    EXPECT_EQ(f["x-amz-meta-variants"], req.variants_metadata);
    EXPECT_EQ(f["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    EXPECT_EQ(f["x-amz-credential"], "AKIDEXAMPLE/20260102/eu-west-3/s3/aws4_request");
    EXPECT_EQ(f["x-amz-date"], "20260102T030405Z");
    EXPECT_EQ(p.fields.size(), 9u);
    EXPECT_EQ(p.fields.front().first, "key");

    // The policy field is the base64 of the policy, which pins every field above.
    const std::string decoded = *sigv4::base64_decode(f["policy"]);
    EXPECT_EQ(decoded, p.policy_json);
    json policy = json::parse(decoded);
    EXPECT_EQ(policy["expiration"], "2026-01-02T03:19:05Z");
    const json expected_conditions = json::parse(R"([
        ["content-length-range", 1, 26214400],
        {"Content-Type": "image/jpeg"},
        {"success_action_status": "204"},
        {"x-amz-meta-variants": "[{\"width\":64,\"height\":64}]"},
        {"bucket": "uploads"},
        {"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
        {"X-Amz-Credential": "AKIDEXAMPLE/20260102/eu-west-3/s3/aws4_request"},
        {"X-Amz-Date": "20260102T030405Z"},
        {"key": "uploads/abcDEF123_-/cat.jpg"}
    ])");
    EXPECT_EQ(policy["conditions"], expected_conditions);
    // Compact, as JSON.stringify writes it: expiration first, no spaces.
    EXPECT_EQ(decoded.rfind(R"({"expiration":"2026-01-02T03:19:05Z","conditions":[[)", 0), 0u);
    EXPECT_EQ(decoded.find(", "), std::string::npos);
}

TEST(PresignedPostTest, SignatureIsHmacOfTheBase64PolicyWithTheScopeKey) {
    PresignedPost p = build_presigned_post(options(), request(), "id1", kNow);
    auto f = fields_of(p);
    // S3's SigV4 POST rule, spelled out with the SigV4 primitives: the string to sign is the
    // base64 policy as sent.
    std::string k = sigv4::hmac_sha256("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20260102");
    k = sigv4::hmac_sha256(k, "eu-west-3");
    k = sigv4::hmac_sha256(k, "s3");
    k = sigv4::hmac_sha256(k, "aws4_request");
    EXPECT_EQ(f["x-amz-signature"], to_hex(sigv4::hmac_sha256(k, f["policy"])));
    EXPECT_EQ(f["x-amz-signature"].size(), 64u);

    PresignOptions other = options();
    other.secret_key = "another-secret";
    EXPECT_NE(fields_of(build_presigned_post(other, request(), "id1", kNow))["x-amz-signature"],
              f["x-amz-signature"]);
}

// What the S3 endpoint does with the form: the fields pass its verifier unchanged, and a field
// changed by the client fails it.
TEST(PresignedPostTest, FieldsPassTheS3PolicyVerifier) {
    UploadRequest req = request();
    req.variants_metadata = R"([{"width":64,"height":64}])";
    PresignedPost p = build_presigned_post(options(), req, "id7", kNow);
    sigv4::PostFields fields(p.fields.begin(), p.fields.end());
    auto version = sigv4::post_auth_version(fields);
    ASSERT_EQ(version, sigv4::PostAuthVersion::kV4);
    EXPECT_FALSE(sigv4::missing_post_auth_field(fields, version));
    OneKey keys;
    auto who = sigv4::verify_post_signature(fields, version, keys);
    ASSERT_TRUE(who.is_ok()) << who.status().to_string();
    EXPECT_EQ(*who, "AKIDEXAMPLE");
    auto policy = sigv4::parse_post_policy(fields_of(p)["policy"]);
    ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
    EXPECT_TRUE(sigv4::check_post_policy(*policy, fields, "uploads", kNow).is_ok());
    EXPECT_EQ(policy->content_length_range(), std::make_pair(uint64_t{1}, uint64_t{26214400}));

    // Another bucket, a changed Content-Type or key, or a late upload are refused.
    EXPECT_FALSE(sigv4::check_post_policy(*policy, fields, "resized", kNow).is_ok());
    for (const char* name : {"Content-Type", "key", "x-amz-meta-variants"}) {
        sigv4::PostFields changed = fields;
        for (auto& [k, v] : changed) {
            if (k == name) v += "x";
        }
        EXPECT_FALSE(sigv4::check_post_policy(*policy, changed, "uploads", kNow).is_ok()) << name;
    }
    EXPECT_FALSE(
        sigv4::check_post_policy(*policy, fields, "uploads", kNow + std::chrono::minutes(16))
            .is_ok());
}

TEST(PresignedPostTest, DeclaredSizeNarrowsTheLengthRange) {
    UploadRequest req = request();
    req.size = 5000;
    json policy = json::parse(build_presigned_post(options(), req, "id", kNow).policy_json);
    EXPECT_EQ(policy["conditions"][0], json::parse(R"(["content-length-range",1,5000])"));

    PresignOptions small = options();
    small.max_upload_bytes = 100;
    req.size.reset();
    policy = json::parse(build_presigned_post(small, req, "id", kNow).policy_json);
    EXPECT_EQ(policy["conditions"][0], json::parse(R"(["content-length-range",1,100])"));
}

TEST(PresignedPostTest, NoVariantMetadataWithoutVariants) {
    PresignedPost p = build_presigned_post(options(), request(), "id", kNow);
    EXPECT_FALSE(fields_of(p).count("x-amz-meta-variants"));
    EXPECT_EQ(p.policy_json.find("x-amz-meta"), std::string::npos);
}

TEST(PresignedPostTest, ExpiryIsConfigurable) {
    PresignOptions o = options();
    o.expiry = seconds(60);
    EXPECT_EQ(build_presigned_post(o, request(), "id", kNow).expires_at, "2026-01-02T03:05:05Z");
}

TEST(PresignedPostTest, NonAsciiKeysStayUtf8InThePolicy) {
    UploadRequest req = request();
    req.filename = "flöwer \"1\".jpg";
    PresignedPost p = build_presigned_post(options(), req, "id", kNow);
    EXPECT_EQ(p.key, "uploads/id/flöwer \"1\".jpg");
    EXPECT_NE(p.policy_json.find(R"({"key":"uploads/id/flöwer \"1\".jpg"})"), std::string::npos);
}

TEST(PresignedPostTest, ResponseJsonHasTheDocumentedShape) {
    PresignedPost p = build_presigned_post(options(), request(), "id9", kNow);
    json body = json::parse(presigned_post_json(p));
    EXPECT_EQ(body["url"], p.url);
    EXPECT_EQ(body["id"], "id9");
    EXPECT_EQ(body["key"], "uploads/id9/cat.jpg");
    EXPECT_EQ(body["expiresAt"], p.expires_at);
    EXPECT_EQ(body["statusUrl"], "/images/id9");
    ASSERT_TRUE(body["fields"].is_object());
    EXPECT_EQ(body["fields"].size(), p.fields.size());
    for (const auto& [k, v] : p.fields) EXPECT_EQ(body["fields"][k], v);
}

TEST(PresignedPostTest, ResponseJsonKeepsFieldOrderAndEscapesTheKey) {
    UploadRequest req = request();
    req.filename = "flöwer \"1\" \\ x.jpg";
    PresignedPost p = build_presigned_post(options(), req, "id", kNow);
    // The same document through nlohmann: member order, escaping and UTF-8 all identical.
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& [k, v] : p.fields) fields[k] = v;
    const nlohmann::ordered_json expected = {
        {"url", p.url}, {"fields", fields},          {"id", p.id},
        {"key", p.key}, {"expiresAt", p.expires_at}, {"statusUrl", p.status_url}};
    EXPECT_EQ(presigned_post_json(p), expected.dump());
}

}  // namespace
}  // namespace imgpipe::api
