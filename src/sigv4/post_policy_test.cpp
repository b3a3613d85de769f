#include "sigv4/post_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "corpus.h"
#include "post_policy_driver.h"

namespace imgpipe::sigv4 {
namespace {

using namespace std::chrono_literals;

class MapCredentials final : public CredentialProvider {
  public:
    std::optional<std::string> secret_for(std::string_view akid) const override {
        auto it = keys_.find(std::string(akid));
        if (it == keys_.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::string, std::string> keys_ = {
        {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {"AKID2", "secretkey2"},
    };
};

TimePoint at(std::string_view amz_date) { return *parse_amz_date(amz_date); }

// The worked example of AWS's "Browser-Based Upload using HTTP POST (Using AWS Signature
// Version 4)" page: a 648-byte CRLF policy, its base64 and signature (s3-compat.md §2.3).
constexpr std::string_view kAwsPolicy =
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgIC"
    "B7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci"
    "91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3"
    "QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bW"
    "wifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZX"
    "RhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQU"
    "VTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LW"
    "NyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdC"
    "J9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOi"
    "AiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
constexpr std::string_view kAwsSignature =
    "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

PostFields aws_fields() {
    return {
        {"key", "user/user1/photo.jpg"},
        {"acl", "public-read"},
        {"success_action_redirect",
         "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
        {"Content-Type", "image/jpeg"},
        {"x-amz-meta-uuid", "14365123651274"},
        {"x-amz-server-side-encryption", "AES256"},
        {"X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
        {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
        {"X-Amz-Date", "20151229T000000Z"},
        {"x-amz-meta-tag", ""},
        {"Policy", std::string(kAwsPolicy)},
        {"X-Amz-Signature", std::string(kAwsSignature)},
    };
}

PostPolicy policy_of(const std::string& json) {
    auto p = parse_post_policy(base64_encode(json));
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return p.is_ok() ? *p : PostPolicy{};
}

Status check(const std::string& conditions, const PostFields& fields,
             std::string_view bucket = "b") {
    // Every policy must pin the bucket; the tests' conditions come after that one.
    const std::string all =
        conditions == "[]" ? R"([{"bucket":"b"}])" : R"([{"bucket":"b"},)" + conditions.substr(1);
    PostPolicy p = policy_of(R"({"expiration":"2030-01-01T00:00:00Z","conditions":)" + all + "}");
    return check_post_policy(p, fields, bucket, at("20290101T000000Z"));
}

void expect_denied(const Status& s, std::string_view message) {
    EXPECT_EQ(s.reason(), "AccessDenied");
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(s.message(), message);
}

TEST(PostPolicyTest, AwsExampleVerifiesAndPasses) {
    MapCredentials creds;
    PostFields fields = aws_fields();
    ASSERT_EQ(post_auth_version(fields), PostAuthVersion::kV4);
    auto akid = verify_post_signature(fields, PostAuthVersion::kV4, creds);
    ASSERT_TRUE(akid.is_ok()) << akid.status().to_string();
    EXPECT_EQ(*akid, "AKIAIOSFODNN7EXAMPLE");

    auto policy = parse_post_policy(kAwsPolicy);
    ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
    EXPECT_EQ(policy->conditions.size(), 11u);
    EXPECT_EQ(policy->expiration, at("20151230T120000Z"));
    EXPECT_TRUE(
        check_post_policy(*policy, fields, "sigv4examplebucket", at("20151229T000001Z")).is_ok());
}

TEST(PostPolicyTest, TamperedPolicyOrSignatureDoesNotMatch) {
    MapCredentials creds;
    PostFields tampered = aws_fields();
    tampered[10].second[20] = tampered[10].second[20] == 'A' ? 'B' : 'A';
    EXPECT_EQ(verify_post_signature(tampered, PostAuthVersion::kV4, creds).status().reason(),
              "SignatureDoesNotMatch");

    PostFields bad_sig = aws_fields();
    bad_sig[11].second = std::string(64, '0');
    EXPECT_EQ(verify_post_signature(bad_sig, PostAuthVersion::kV4, creds).status().reason(),
              "SignatureDoesNotMatch");

    PostFields upper = aws_fields();
    for (char& c : upper[11].second) c = static_cast<char>(std::toupper(c));
    EXPECT_TRUE(verify_post_signature(upper, PostAuthVersion::kV4, creds).is_ok());

    PostFields other_region = aws_fields();
    other_region[6].second = "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request";
    EXPECT_EQ(verify_post_signature(other_region, PostAuthVersion::kV4, creds).status().reason(),
              "SignatureDoesNotMatch");
}

TEST(PostPolicyTest, UnknownKeyAndMalformedAuthFields) {
    MapCredentials creds;
    PostFields unknown = aws_fields();
    unknown[6].second = "NOPE/20151229/us-east-1/s3/aws4_request";
    EXPECT_EQ(verify_post_signature(unknown, PostAuthVersion::kV4, creds).status().reason(),
              "InvalidAccessKeyId");

    for (auto [index, value] : std::vector<std::pair<size_t, std::string>>{
             {7, "AWS4-HMAC-SHA1"},
             {6, "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1"},
             {6, "AKIAIOSFODNN7EXAMPLE/2015/us-east-1/s3/aws4_request"},
             {8, "2015-12-29"}}) {
        PostFields f = aws_fields();
        f[index].second = value;
        auto r = verify_post_signature(f, PostAuthVersion::kV4, creds);
        EXPECT_EQ(r.status().reason(), "InvalidArgument") << value;
    }
}

TEST(PostPolicyTest, MissingAuthFieldsAreNamedAsAwsDoes) {
    MapCredentials creds;
    struct Case {
        std::string drop;
        std::string named;
    };
    for (const Case& c : std::vector<Case>{{"X-Amz-Signature", "X-Amz-Signature"},
                                           {"X-Amz-Algorithm", "X-Amz-Algorithm"},
                                           {"X-Amz-Credential", "X-Amz-Credential"},
                                           {"X-Amz-Date", "X-Amz-Date"},
                                           {"Policy", "Policy"}}) {
        PostFields f = aws_fields();
        std::erase_if(f, [&](const auto& kv) { return kv.first == c.drop; });
        EXPECT_EQ(missing_post_auth_field(f, post_auth_version(f)), c.named);
        auto r = verify_post_signature(f, post_auth_version(f), creds);
        EXPECT_EQ(r.status().reason(), "InvalidArgument");
        EXPECT_EQ(r.status().message(), "Bucket POST must contain a field named '" + c.named +
                                            "'.  If it is specified, please check the order of "
                                            "the fields.");
    }
    EXPECT_EQ(post_auth_version({{"key", "k"}}), PostAuthVersion::kNone);
    EXPECT_EQ(post_auth_version({{"POLICY", "p"}}), PostAuthVersion::kV4);
    EXPECT_EQ(missing_post_auth_field({{"Signature", "s"}}, PostAuthVersion::kV2),
              "AWSAccessKeyId");
    EXPECT_EQ(
        missing_post_auth_field({{"awsaccesskeyid", "a"}, {"policy", "p"}}, PostAuthVersion::kV2),
        "Signature");
}

TEST(PostPolicyTest, SigV2SignatureVerifies) {
    MapCredentials creds;
    // Computed with Python's hmac/hashlib/base64 for this policy and secret.
    const std::string policy =
        "eyJleHBpcmF0aW9uIjogIjIwMzAtMDEtMDFUMDA6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAiYi"
        "J9"
        "LCBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAiIl0sIHsiYWNsIjogInByaXZhdGUifV19";
    PostFields fields = {{"kEy", "a.txt"},
                         {"AWSAccessKeyId", "AKID2"},
                         {"aCl", "private"},
                         {"pOLICy", policy},
                         {"signature", "FaywnGilB/rQZP83YqomLawUu3I="}};
    ASSERT_EQ(post_auth_version(fields), PostAuthVersion::kV2);
    auto akid = verify_post_signature(fields, PostAuthVersion::kV2, creds);
    ASSERT_TRUE(akid.is_ok()) << akid.status().to_string();
    EXPECT_EQ(*akid, "AKID2");
    auto p = parse_post_policy(policy);
    ASSERT_TRUE(p.is_ok());
    EXPECT_TRUE(check_post_policy(*p, fields, "b", at("20290101T000000Z")).is_ok());

    fields[4].second = "GaywnGilB/rQZP83YqomLawUu3I=";
    EXPECT_EQ(verify_post_signature(fields, PostAuthVersion::kV2, creds).status().reason(),
              "SignatureDoesNotMatch");
    fields[1].second = "UNKNOWN";
    EXPECT_EQ(verify_post_signature(fields, PostAuthVersion::kV2, creds).status().reason(),
              "InvalidAccessKeyId");
}

TEST(PostPolicyTest, ParsesEveryConditionForm) {
    PostPolicy p = policy_of(R"({"expiration":"2026-01-01T12:00:00.123Z","conditions":[
        {"bucket":"b"}, ["eq","$key","k"], ["StArTs-WiTh","$Content-Type","image/"],
        ["content-length-range",1,10485760], ["content-length-range","0","20"],
        {"x-amz-meta-n": 7}]})");
    ASSERT_EQ(p.conditions.size(), 6u);
    EXPECT_EQ(p.conditions[0].kind, PolicyCondition::Kind::kExact);
    EXPECT_EQ(p.conditions[0].field, "bucket");
    EXPECT_EQ(p.conditions[1].kind, PolicyCondition::Kind::kEq);
    EXPECT_EQ(p.conditions[1].field, "key");
    EXPECT_EQ(p.conditions[2].kind, PolicyCondition::Kind::kStartsWith);
    EXPECT_EQ(p.conditions[2].field, "Content-Type");
    EXPECT_EQ(p.conditions[2].value, "image/");
    EXPECT_EQ(p.conditions[3].kind, PolicyCondition::Kind::kContentLengthRange);
    EXPECT_EQ(p.conditions[3].min, 1u);
    EXPECT_EQ(p.conditions[3].max, 10485760u);
    EXPECT_TRUE(p.conditions[4].valid);
    EXPECT_EQ(p.conditions[5].value, "7");
    EXPECT_EQ(p.content_length_range(), std::make_pair(uint64_t{1}, uint64_t{20}));
    EXPECT_EQ(p.expiration, at("20260101T120000Z") + 123ms);

    EXPECT_EQ(policy_of(R"({"expiration":"2026-01-01T12:00:00Z","conditions":[]})").expiration,
              at("20260101T120000Z"));
    EXPECT_FALSE(policy_of(R"({"expiration":"2026-01-01T12:00:00Z","conditions":[]})")
                     .content_length_range()
                     .has_value());
}

TEST(PostPolicyTest, RejectsMalformedPolicies) {
    const std::vector<std::string> bad = {
        "not json",
        "[]",
        R"({"conditions":[]})",
        R"({"expiration":"2026-01-01T12:00:00Z"})",
        R"({"EXPIRATION":"2026-01-01T12:00:00Z","CONDITIONS":[]})",
        R"({"expiration":"2026-13-01T12:00:00Z","conditions":[]})",
        R"({"expiration":"2026-02-30T12:00:00Z","conditions":[]})",
        R"({"expiration":"2026-01-01 12:00:00","conditions":[]})",
        R"({"expiration":12,"conditions":[]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":{}})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[{"a":"1","b":"2"}]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[{}]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[{"a":["x"]}]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["eq","$key"]]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["eq","key","v"]]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["matches","$key","v"]]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["eq","$key",{}]]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":["eq"]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[42]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["content-length-range",-1,0]]})",
        R"({"expiration":"2026-01-01T12:00:00Z","conditions":[["content-length-range",0]]})",
    };
    for (const std::string& json : bad) {
        auto r = parse_post_policy(base64_encode(json));
        ASSERT_FALSE(r.is_ok()) << json;
        EXPECT_EQ(r.status().reason(), "InvalidPolicyDocument") << json;
        EXPECT_TRUE(r.status().message().starts_with("Invalid Policy: ")) << json;
    }
    EXPECT_EQ(parse_post_policy("%%%").status().reason(), "InvalidPolicyDocument");
    EXPECT_EQ(parse_post_policy(base64_encode("not json")).status().message(),
              "Invalid Policy: Invalid JSON.");
}

TEST(PostPolicyTest, ExactAndEqConditions) {
    EXPECT_TRUE(check(R"([{"key":"a.jpg"}])", {{"KEY", "a.jpg"}}).is_ok());
    EXPECT_TRUE(check(R"([["eq","$Key","a.jpg"]])", {{"key", "a.jpg"}}).is_ok());
    expect_denied(
        check(R"([{"key":"a.jpg"}])", {{"key", "b.jpg"}}),
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a.jpg"])");
    // Values are case-sensitive; a missing field fails.
    expect_denied(
        check(R"([["eq","$key","a.jpg"]])", {{"key", "A.jpg"}}),
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a.jpg"])");
    expect_denied(
        check(R"([{"acl":"private"}])", {}),
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "private"])");
}

TEST(PostPolicyTest, StartsWithConditions) {
    EXPECT_TRUE(check(R"([["starts-with","$key","uploads/"]])", {{"key", "uploads/x"}}).is_ok());
    expect_denied(
        check(R"([["starts-with","$key","uploads/"]])", {{"key", "other/x"}}),
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"])");
    // An empty prefix accepts any value, but the field must be there.
    EXPECT_TRUE(
        check(R"([["starts-with","$x-amz-meta-tag",""]])", {{"x-amz-meta-tag", ""}}).is_ok());
    EXPECT_FALSE(check(R"([["starts-with","$x-amz-meta-tag",""]])", {}).is_ok());
    // Content-Type lists: every item must match.
    EXPECT_TRUE(check(R"([["starts-with","$content-type","image/"]])",
                      {{"Content-Type", "image/jpeg, image/png"}})
                    .is_ok());
    EXPECT_FALSE(check(R"([["starts-with","$Content-Type","image/"]])",
                       {{"Content-Type", "image/jpeg,text/html"}})
                     .is_ok());
    EXPECT_FALSE(
        check(R"([["starts-with","$Content-Type","image/"]])", {{"Content-Type", "text/html"}})
            .is_ok());
}

TEST(PostPolicyTest, BucketConditionUsesTheRequestBucket) {
    EXPECT_TRUE(check(R"([{"bucket":"b"}])", {}, "b").is_ok());
    EXPECT_TRUE(check(R"([{"bUcKeT":"b"}])", {{"bucket", "b"}}, "b").is_ok());
    expect_denied(
        check(R"([{"bucket":"b"}])", {{"bucket", "b"}}, "other"),
        R"(Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "b"])");
}

TEST(PostPolicyTest, ContentLengthRangeWithBadBoundsFails) {
    for (std::string range :
         {R"([["content-length-range",10,1]])", R"([["content-length-range","a",10]])",
          R"([["content-length-range",1.5,10]])"}) {
        Status s = check(range, {});
        EXPECT_EQ(s.reason(), "AccessDenied") << range;
        EXPECT_TRUE(s.message().starts_with(
            "Invalid according to Policy: Policy Condition failed: [\"content-length-range\""))
            << s.message();
    }
    EXPECT_TRUE(check(R"([["content-length-range",0,10]])", {}).is_ok());
}

TEST(PostPolicyTest, ExpirationIsChecked) {
    PostPolicy p =
        policy_of(R"({"expiration":"2026-01-01T12:00:00Z","conditions":[{"bucket":"b"}]})");
    EXPECT_TRUE(check_post_policy(p, {}, "b", at("20260101T120000Z")).is_ok());
    expect_denied(check_post_policy(p, {}, "b", at("20260101T120001Z")),
                  "Invalid according to Policy: Policy expired.");
}

TEST(PostPolicyTest, EveryFieldMustBeCovered) {
    expect_denied(check(R"([{"key":"k"}])", {{"key", "k"}, {"x-amz-meta-extra", "1"}}),
                  "Invalid according to Policy: Extra input fields: x-amz-meta-extra");
    EXPECT_TRUE(check(R"([{"key":"k"}])", {{"key", "k"},
                                           {"Policy", "p"},
                                           {"X-Amz-Signature", "s"},
                                           {"signature", "s"},
                                           {"awsaccesskeyid", "a"},
                                           {"file", "f"},
                                           {"X-Ignore-Me", "1"}})
                    .is_ok());
    EXPECT_TRUE(check(R"([{"key":"k"},["starts-with","$X-Amz-Meta-Extra",""]])",
                      {{"key", "k"}, {"x-amz-meta-extra", "1"}})
                    .is_ok());
}

TEST(PostPolicyTest, BucketMustBeCoveredEvenWithoutField) {
    PostPolicy p = policy_of(
        R"({"expiration":"2030-01-01T00:00:00Z","conditions":[["starts-with","$key","foo"]]})");
    expect_denied(check_post_policy(p, {{"key", "foo.txt"}}, "b", at("20290101T000000Z")),
                  "Invalid according to Policy: Extra input fields: bucket");
}

TEST(PostPolicyTest, DescribeEchoesConditionsAsAws) {
    EXPECT_EQ(describe(PolicyCondition::exact("success_action_redirect", "http://x/\"q\"")),
              R"(["eq", "$success_action_redirect", "http://x/\"q\""])");
    EXPECT_EQ(describe(PolicyCondition::content_length_range(1, 10)),
              R"(["content-length-range", 1, 10])");
}

TEST(PostPolicyTest, CreatesPolicyInAwsSdkLayout) {
    SigningCredentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    PostPolicyRequest req;
    req.bucket = "uploads";
    req.key = "uploads/abc/${filename}";
    req.conditions = {PolicyCondition::content_length_range(1, 1000),
                      PolicyCondition::starts_with("Content-Type", "image/")};
    req.fields = {{"Content-Type", "image/jpeg"}, {"x-amz-meta-w", "640"}};
    req.expires = 900s;
    const TimePoint now = at("20260101T101010Z") + 250ms;
    PresignedPostForm form = create_post_policy(creds, req, now);

    EXPECT_EQ(form.policy_json,
              R"({"expiration":"2026-01-01T10:25:10Z","conditions":[)"
              R"(["content-length-range",1,1000],["starts-with","$Content-Type","image/"],)"
              R"({"Content-Type":"image/jpeg"},{"x-amz-meta-w":"640"},{"bucket":"uploads"},)"
              R"({"X-Amz-Algorithm":"AWS4-HMAC-SHA256"},)"
              R"({"X-Amz-Credential":"AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request"},)"
              R"({"X-Amz-Date":"20260101T101010Z"},["starts-with","$key","uploads/abc/"]]})");
    std::vector<std::string> names;
    for (const auto& [n, v] : form.fields) names.push_back(n);
    EXPECT_EQ(names, (std::vector<std::string>{"Content-Type", "x-amz-meta-w", "bucket",
                                               "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                               "key", "Policy", "X-Amz-Signature"}));
    EXPECT_EQ(*find_post_field(form.fields, "policy"), base64_encode(form.policy_json));
    EXPECT_EQ(*find_post_field(form.fields, "key"), "uploads/abc/${filename}");
    EXPECT_EQ(form.expiration, at("20260101T102510Z"));

    // What it makes, the server side accepts (after ${filename} substitution).
    MapCredentials provider;
    PostFields sent = form.fields;
    for (auto& [n, v] : sent) {
        if (n == "key") v = "uploads/abc/cat.jpg";
    }
    ASSERT_TRUE(verify_post_signature(sent, post_auth_version(sent), provider).is_ok());
    auto policy = parse_post_policy(*find_post_field(sent, "policy"));
    ASSERT_TRUE(policy.is_ok());
    EXPECT_TRUE(check_post_policy(*policy, sent, "uploads", now).is_ok());
    EXPECT_EQ(policy->content_length_range(), std::make_pair(uint64_t{1}, uint64_t{1000}));
}

// Golden output of @aws-sdk/s3-presigned-post 3.x createPresignedPost for the inputs of
// CreatesPolicyInAwsSdkLayout (Date.now fixed at 2026-01-01T10:10:10.250Z, Expires 900).
TEST(PostPolicyTest, MatchesAwsSdkJsByteForByte) {
    SigningCredentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    PostPolicyRequest req;
    req.bucket = "uploads";
    req.key = "uploads/abc/${filename}";
    req.conditions = {PolicyCondition::content_length_range(1, 1000),
                      PolicyCondition::starts_with("Content-Type", "image/")};
    req.fields = {{"Content-Type", "image/jpeg"}, {"x-amz-meta-w", "640"}};
    req.expires = 900s;
    PresignedPostForm form = create_post_policy(creds, req, at("20260101T101010Z") + 250ms);
    EXPECT_EQ(*find_post_field(form.fields, "Policy"),
              "eyJleHBpcmF0aW9uIjoiMjAyNi0wMS0wMVQxMDoyNToxMFoiLCJjb25kaXRpb25zIjpbWyJjb250ZW50LWxl"
              "bmd0aC1yYW5nZSIsMSwxMDAwXSxbInN0YXJ0cy13aXRoIiwiJENvbnRlbnQtVHlwZSIsImltYWdlLyJdLHsi"
              "Q29udGVudC1UeXBlIjoiaW1hZ2UvanBlZyJ9LHsieC1hbXotbWV0YS13IjoiNjQwIn0seyJidWNrZXQiOiJ1"
              "cGxvYWRzIn0seyJYLUFtei1BbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hBMjU2In0seyJYLUFtei1DcmVkZW50"
              "aWFsIjoiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAyNjAxMDEvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9"
              "LHsiWC1BbXotRGF0ZSI6IjIwMjYwMTAxVDEwMTAxMFoifSxbInN0YXJ0cy13aXRoIiwiJGtleSIsInVwbG9h"
              "ZHMvYWJjLyJdXX0=");
    EXPECT_EQ(*find_post_field(form.fields, "X-Amz-Signature"),
              "ff0cf3594f19a0d6ed0fda9731ff01c707ea36571faf340934f4daae2675e4ce");
}

// Forms made by boto3 1.43 generate_presigned_post (time fixed at 2026-01-01T10:10:10Z,
// ExpiresIn 900), SigV4 (signature_version s3v4) and SigV2 (its default with an endpoint_url).
TEST(PostPolicyTest, AcceptsBoto3Forms) {
    MapCredentials creds;
    const PostFields v4 = {
        {"Content-Type", "image/jpeg"},
        {"success_action_status", "201"},
        {"key", "uploads/abc/cat.jpg"},
        {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
        {"x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request"},
        {"x-amz-date", "20260101T101010Z"},
        {"policy",
         "eyJleHBpcmF0aW9uIjogIjIwMjYtMDEtMDFUMTA6MjU6MTBaIiwgImNvbmRpdGlvbnMiOiBbeyJDb250ZW50LVR5"
         "cGUiOiAiaW1hZ2UvanBlZyJ9LCB7InN1Y2Nlc3NfYWN0aW9uX3N0YXR1cyI6ICIyMDEifSwgWyJjb250ZW50LWxl"
         "bmd0aC1yYW5nZSIsIDEsIDEwMDBdLCB7ImJ1Y2tldCI6ICJ1cGxvYWRzIn0sIFsic3RhcnRzLXdpdGgiLCAiJGtl"
         "eSIsICJ1cGxvYWRzL2FiYy8iXSwgeyJ4LWFtei1hbGdvcml0aG0iOiAiQVdTNC1ITUFDLVNIQTI1NiJ9LCB7Ingt"
         "YW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAyNjAxMDEvdXMtZWFzdC0xL3MzL2F3czRf"
         "cmVxdWVzdCJ9LCB7IngtYW16LWRhdGUiOiAiMjAyNjAxMDFUMTAxMDEwWiJ9XX0="},
        {"x-amz-signature", "6a2fd1c1ed0a75833d0fe4faf266b44380d15170a2cd8e9acf41e7d5716cd56b"},
    };
    const PostFields v2 = {
        {"Content-Type", "image/jpeg"},
        {"success_action_status", "201"},
        {"key", "uploads/abc/cat.jpg"},
        {"AWSAccessKeyId", "AKIAIOSFODNN7EXAMPLE"},
        {"policy",
         "eyJleHBpcmF0aW9uIjogIjIwMjYtMDEtMDFUMTA6MjU6MTBaIiwgImNvbmRpdGlvbnMiOiBbeyJDb250ZW50LVR5"
         "cGUiOiAiaW1hZ2UvanBlZyJ9LCB7InN1Y2Nlc3NfYWN0aW9uX3N0YXR1cyI6ICIyMDEifSwgWyJjb250ZW50LWxl"
         "bmd0aC1yYW5nZSIsIDEsIDEwMDBdLCB7ImJ1Y2tldCI6ICJ1cGxvYWRzIn0sIFsic3RhcnRzLXdpdGgiLCAiJGtl"
         "eSIsICJ1cGxvYWRzL2FiYy8iXV19"},
        {"signature", "XbbJu+jj2dspBPOnRCQ9A5J6BSQ="},
    };
    for (const PostFields& fields : {v4, v2}) {
        auto akid = verify_post_signature(fields, post_auth_version(fields), creds);
        ASSERT_TRUE(akid.is_ok()) << akid.status().to_string();
        EXPECT_EQ(*akid, "AKIAIOSFODNN7EXAMPLE");
        auto policy = parse_post_policy(*find_post_field(fields, "policy"));
        ASSERT_TRUE(policy.is_ok()) << policy.status().to_string();
        EXPECT_TRUE(check_post_policy(*policy, fields, "uploads", at("20260101T101010Z")).is_ok());
        EXPECT_EQ(policy->content_length_range(), std::make_pair(uint64_t{1}, uint64_t{1000}));
    }
    EXPECT_EQ(post_auth_version(v2), PostAuthVersion::kV2);
}

TEST(PostPolicyTest, CreatesExactKeyConditionAndSessionToken) {
    SigningCredentials creds{"AKID2", "secretkey2", "eu-west-1"};
    PostPolicyRequest req;
    req.bucket = "b";
    req.key = "exact.jpg";
    req.session_token = "token";
    PresignedPostForm form = create_post_policy(creds, req, at("20260101T000000Z"));
    auto doc = nlohmann::json::parse(form.policy_json);
    EXPECT_EQ(doc["expiration"], "2026-01-01T01:00:00Z");
    EXPECT_EQ(doc["conditions"].back(), nlohmann::json({{"key", "exact.jpg"}}));
    EXPECT_EQ(*find_post_field(form.fields, "X-Amz-Security-Token"), "token");
    EXPECT_EQ(*find_post_field(form.fields, "X-Amz-Credential"),
              "AKID2/20260101/eu-west-1/s3/aws4_request");
}

TEST(PostPolicyTest, Base64RoundTripsAndRejectsGarbage) {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
        EXPECT_EQ(base64_decode(base64_encode(s)), s);
    }
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_decode("Zm9v\r\nYmE="), "fooba");
    EXPECT_FALSE(base64_decode("Zm9v!").has_value());
    EXPECT_FALSE(base64_decode("Z").has_value());
    EXPECT_FALSE(base64_decode("Zm=9").has_value());
    EXPECT_FALSE(base64_decode("Zg===").has_value());
}

// The fuzz target's seed corpus (and any crash input saved there) replayed through its driver.
TEST(PostPolicyCorpusTest, EverySeedGivesItsOutcome) {
    const std::map<std::string, std::string> expected = {
        {"aws-sdk-policy", "AccessDenied"},  // the default fields carry no X-Amz-Algorithm
        {"all-forms-pass", ""},
        {"expired", "AccessDenied"},
        {"bad-range", "AccessDenied"},
        {"negative-range", "InvalidPolicyDocument"},
        {"two-property-simple", "InvalidPolicyDocument"},
        {"invalid-json", "InvalidPolicyDocument"},
        {"aws-example-base64", "AccessDenied"},
        {"bad-base64", "InvalidPolicyDocument"},
        {"signed-form-ok", ""},
        {"signed-form-extra-field", "AccessDenied"},
        {"v2-form-unknown-key", "InvalidAccessKeyId"},
        {"v4-form-missing-signature", "InvalidArgument"},
        // Found by fuzz_post_policy: a year outside a time point's range overflowed (UBSan).
        {"crash-expiration-year-1013", "InvalidPolicyDocument"},
    };
    size_t seen = 0;
    for (const auto& [name, data] : read_fuzz_corpus("post_policy")) {
        Status s = fuzzing::run_post_policy_input(reinterpret_cast<const uint8_t*>(data.data()),
                                                  data.size());
        auto it = expected.find(name);
        if (it == expected.end()) continue;
        ++seen;
        EXPECT_EQ(s.reason(), it->second) << it->first << ": " << s.to_string();
    }
    EXPECT_EQ(seen, expected.size());
}

}  // namespace
}  // namespace imgpipe::sigv4
