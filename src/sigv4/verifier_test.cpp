// Verifier round trips: sign_request / presign_query, then verify; every tampered part must
// give SignatureDoesNotMatch, and each other failure its own S3 error.

#include <gtest/gtest.h>

#include <thread>

#include "sigv4/sigv4.h"
#include "sigv4/test_util.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class VerifierTest : public ::testing::Test {
  protected:
    void SetUp() override {
        headers_ = {{"Host", "localhost:9000"},
                    {"Content-Type", "image/jpeg"},
                    {"X-Amz-Meta-Owner", "alice"},
                    {"User-Agent", "test/1.0"}};
        sign_request(creds_, "PUT", "/bucket/photos/a%20b.jpg", "partNumber=1&uploadId=xyz",
                     headers_, sha256_hex("body"), t_);
    }

    Result<Authorization> verify(std::string_view method, std::string_view path,
                                 std::string_view query, const HeaderList& headers, TimePoint now) {
        return verifier_.verify(RequestView{method, path, query, &headers}, now);
    }
    Result<Authorization> verify_signed(const HeaderList& headers) {
        return verify("PUT", "/bucket/photos/a%20b.jpg", "partNumber=1&uploadId=xyz", headers, t_);
    }
    static void set(HeaderList& headers, std::string_view name, const std::string& value) {
        for (auto& [n, v] : headers) {
            if (iequals(n, name)) v = value;
        }
    }

    SigningCredentials creds_{"AKIDTEST", "secret/key+1", "eu-west-3", "s3"};
    testing::MapCredentials provider_{{{"AKIDTEST", "secret/key+1"}, {"OTHER", "x"}}};
    Verifier verifier_{provider_};
    TimePoint t_ = *parse_amz_date("20240229T235930Z");
    HeaderList headers_;
};

void expect_error(const Result<Authorization>& r, std::string_view reason, StatusCode code) {
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().reason(), reason) << r.status().to_string();
    EXPECT_EQ(r.status().code(), code) << r.status().to_string();
}

TEST_F(VerifierTest, AcceptsSignedRequest) {
    auto auth = verify_signed(headers_);
    ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
    EXPECT_EQ(auth->access_key_id, "AKIDTEST");
    EXPECT_FALSE(auth->presigned);
    EXPECT_EQ(auth->payload_mode, PayloadMode::kSignedHex);
    EXPECT_EQ(auth->payload_sha256_hex, sha256_hex("body"));
    EXPECT_EQ(auth->amz_date, "20240229T235930Z");
    EXPECT_EQ(auth->scope, "20240229/eu-west-3/s3/aws4_request");
    EXPECT_EQ(auth->signing_key, signing_key("secret/key+1", "20240229", "eu-west-3", "s3"));
    EXPECT_EQ(auth->seed_signature.size(), 64u);
}

TEST_F(VerifierTest, UnsignedHeadersMayChange) {
    HeaderList h = headers_;
    set(h, "User-Agent", "other");
    h.emplace_back("X-Forwarded-For", "10.0.0.1");
    EXPECT_TRUE(verify_signed(h).is_ok());
}

TEST_F(VerifierTest, HeaderValueWhitespaceIsCanonicalised) {
    HeaderList h = headers_;
    set(h, "Content-Type", "   image/jpeg  ");
    EXPECT_TRUE(verify_signed(h).is_ok());
}

TEST_F(VerifierTest, TamperedPartsDoNotMatch) {
    constexpr auto kMismatch = StatusCode::kUnauthenticated;
    expect_error(
        verify("POST", "/bucket/photos/a%20b.jpg", "partNumber=1&uploadId=xyz", headers_, t_),
        "SignatureDoesNotMatch", kMismatch);
    expect_error(
        verify("PUT", "/bucket/photos/a%20c.jpg", "partNumber=1&uploadId=xyz", headers_, t_),
        "SignatureDoesNotMatch", kMismatch);
    expect_error(
        verify("PUT", "/bucket/photos/a%20b.jpg", "partNumber=2&uploadId=xyz", headers_, t_),
        "SignatureDoesNotMatch", kMismatch);
    expect_error(verify("PUT", "/bucket/photos/a%20b.jpg", "partNumber=1", headers_, t_),
                 "SignatureDoesNotMatch", kMismatch);
    for (std::string_view name :
         {"Host", "Content-Type", "X-Amz-Meta-Owner", "x-amz-date", "x-amz-content-sha256"}) {
        HeaderList h = headers_;
        std::string value(*find_header(h, name));
        value[value.size() - 2] = value[value.size() - 2] == '1' ? '2' : '1';
        set(h, name, value);
        expect_error(verify_signed(h), "SignatureDoesNotMatch", kMismatch);
    }
    HeaderList h = headers_;
    std::string authz(*find_header(h, "authorization"));
    authz[authz.size() - 1] = authz.back() == '0' ? '1' : '0';
    set(h, "Authorization", authz);
    expect_error(verify_signed(h), "SignatureDoesNotMatch", kMismatch);
}

TEST_F(VerifierTest, RepeatedSignedHeaderAddedDoesNotMatch) {
    HeaderList h = headers_;
    h.emplace_back("x-amz-meta-owner", "mallory");
    expect_error(verify_signed(h), "SignatureDoesNotMatch", StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, MissingSignedHeaderDoesNotMatch) {
    HeaderList h;
    for (const auto& e : headers_) {
        if (!iequals(e.first, "x-amz-meta-owner")) h.push_back(e);
    }
    expect_error(verify_signed(h), "SignatureDoesNotMatch", StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, ClockSkew) {
    auto at = [&](TimePoint now) {
        return verify("PUT", "/bucket/photos/a%20b.jpg", "partNumber=1&uploadId=xyz", headers_,
                      now);
    };
    EXPECT_TRUE(at(t_ + minutes(14)).is_ok());
    EXPECT_TRUE(at(t_ - minutes(14)).is_ok());
    expect_error(at(t_ + minutes(16)), "RequestTimeTooSkewed", StatusCode::kPermissionDenied);
    expect_error(at(t_ - minutes(16)), "RequestTimeTooSkewed", StatusCode::kPermissionDenied);
}

TEST_F(VerifierTest, UnknownKey) {
    testing::MapCredentials empty(std::map<std::string, std::string, std::less<>>{});
    Verifier v(empty);
    expect_error(v.verify(RequestView{"PUT", "/bucket/photos/a%20b.jpg",
                                      "partNumber=1&uploadId=xyz", &headers_},
                          t_),
                 "InvalidAccessKeyId", StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, WrongSecretDoesNotMatch) {
    testing::MapCredentials other(
        std::map<std::string, std::string, std::less<>>{{"AKIDTEST", "another secret"}});
    Verifier v(other);
    expect_error(v.verify(RequestView{"PUT", "/bucket/photos/a%20b.jpg",
                                      "partNumber=1&uploadId=xyz", &headers_},
                          t_),
                 "SignatureDoesNotMatch", StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, RegionComesFromTheRequest) {
    for (std::string region : {"us-east-1", "auto", "garage"}) {
        SigningCredentials c = creds_;
        c.region = region;
        HeaderList h = {{"Host", "h"}};
        sign_request(c, "GET", "/", "", h, sha256_hex(""), t_);
        auto auth = verify("GET", "/", "", h, t_);
        ASSERT_TRUE(auth.is_ok()) << region;
        EXPECT_EQ(auth->scope, "20240229/" + region + "/s3/aws4_request");
    }
}

TEST_F(VerifierTest, MalformedAuthorization) {
    const std::string credential =
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240229/eu-west-3/s3/aws4_request";
    for (const std::string& bad : std::vector<std::string>{
             credential, credential + ", SignedHeaders=host, Signature=xyz",
             "AWS4-HMAC-SHA256 Credential=AKIDTEST, SignedHeaders=host, Signature=" +
                 std::string(64, 'a'),
             credential + ", SignedHeaders=, Signature=" + std::string(64, 'a'),
             "AWS4-HMAC-SHA256 garbage"}) {
        HeaderList h = headers_;
        set(h, "Authorization", bad);
        expect_error(verify_signed(h), "AuthorizationHeaderMalformed",
                     StatusCode::kInvalidArgument);
    }
}

TEST_F(VerifierTest, ScopeMustMatchDateAndService) {
    auto with_scope = [&](const std::string& scope) {
        HeaderList h = headers_;
        std::string authz(*find_header(h, "authorization"));
        size_t start = authz.find("Credential=") + 11;
        size_t end = authz.find(',', start);
        authz.replace(start, end - start, "AKIDTEST/" + scope);
        set(h, "Authorization", authz);
        return verify_signed(h);
    };
    expect_error(with_scope("20240228/eu-west-3/s3/aws4_request"), "AuthorizationHeaderMalformed",
                 StatusCode::kInvalidArgument);
    expect_error(with_scope("20240229/eu-west-3/iam/aws4_request"), "AuthorizationHeaderMalformed",
                 StatusCode::kInvalidArgument);
    expect_error(with_scope("20240229/eu-west-3/s3/aws5_request"), "AuthorizationHeaderMalformed",
                 StatusCode::kInvalidArgument);
}

TEST_F(VerifierTest, OtherHeaderAuthFailures) {
    HeaderList h = headers_;
    set(h, "Authorization", "AWS AKIDTEST:c2lnbmF0dXJl");
    expect_error(verify_signed(h), "InvalidRequest", StatusCode::kInvalidArgument);
    set(h, "Authorization", "Bearer token");
    expect_error(verify_signed(h), "InvalidArgument", StatusCode::kInvalidArgument);

    HeaderList no_sha;
    for (const auto& e : headers_) {
        if (!iequals(e.first, "x-amz-content-sha256")) no_sha.push_back(e);
    }
    expect_error(verify_signed(no_sha), "InvalidRequest", StatusCode::kInvalidArgument);

    HeaderList no_date;
    for (const auto& e : headers_) {
        if (!iequals(e.first, "x-amz-date")) no_date.push_back(e);
    }
    expect_error(verify_signed(no_date), "AccessDenied", StatusCode::kPermissionDenied);

    HeaderList bad_mode = {{"Host", "h"}};
    sign_request(creds_, "GET", "/", "", bad_mode, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", t_);
    expect_error(verify("GET", "/", "", bad_mode, t_), "InvalidArgument",
                 StatusCode::kInvalidArgument);

    expect_error(verify("GET", "/", "", {{"Host", "h"}}, t_), "AccessDenied",
                 StatusCode::kPermissionDenied);
}

TEST_F(VerifierTest, PayloadModes) {
    struct Case {
        const char* hash;
        PayloadMode mode;
    } cases[] = {
        {"UNSIGNED-PAYLOAD", PayloadMode::kUnsigned},
        {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", PayloadMode::kStreamingSigned},
        {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", PayloadMode::kStreamingSignedTrailer},
        {"STREAMING-UNSIGNED-PAYLOAD-TRAILER", PayloadMode::kStreamingUnsignedTrailer}};
    for (const auto& c : cases) {
        HeaderList h = {{"Host", "h"}};
        sign_request(creds_, "PUT", "/b/k", "", h, c.hash, t_);
        auto auth = verify("PUT", "/b/k", "", h, t_);
        ASSERT_TRUE(auth.is_ok()) << c.hash;
        EXPECT_EQ(auth->payload_mode, c.mode) << c.hash;
        EXPECT_TRUE(auth->payload_sha256_hex.empty());
    }
}

TEST_F(VerifierTest, RawPlusInQueryVerifiesAsSpace) {
    HeaderList h = {{"Host", "h"}};
    sign_request(creds_, "GET", "/b", "prefix=a%20b", h, sha256_hex(""), t_);
    EXPECT_TRUE(verify("GET", "/b", "prefix=a+b", h, t_).is_ok());
    expect_error(verify("GET", "/b", "prefix=a%2Bb", h, t_), "SignatureDoesNotMatch",
                 StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, ConcurrentVerificationSharesTheKeyCache) {
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < 200; ++j) ok += verify_signed(headers_).is_ok();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 800);
}

TEST(HasAuthTest, DetectsEachStyle) {
    HeaderList none = {{"Host", "h"}};
    HeaderList with = {{"Host", "h"}, {"authorization", "AWS4-HMAC-SHA256 ..."}};
    EXPECT_FALSE(has_auth(RequestView{"GET", "/", "", &none}));
    EXPECT_FALSE(has_auth(RequestView{"GET", "/", "uploads&prefix=x", nullptr}));
    EXPECT_TRUE(has_auth(RequestView{"GET", "/", "", &with}));
    EXPECT_TRUE(has_auth(RequestView{"GET", "/", "X-Amz-Credential=a", &none}));
    EXPECT_TRUE(has_auth(RequestView{"GET", "/", "a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256", &none}));
    EXPECT_TRUE(has_auth(RequestView{"GET", "/", "AWSAccessKeyId=a&Signature=b", &none}));
}

// ---- presigned ----------------------------------------------------------------------------------

class PresignTest : public VerifierTest {
  protected:
    std::string presign(seconds expires, std::string_view query = "") {
        return presign_query(creds_, "GET", "localhost:9000", "/bucket/k%2By", query, expires, t_);
    }
    Result<Authorization> get(std::string_view query, TimePoint now) {
        return verify("GET", "/bucket/k%2By", query, host_, now);
    }
    static std::string drop(std::string_view query, std::string_view name) {
        std::string out;
        while (!query.empty()) {
            size_t amp = query.find('&');
            std::string_view part = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
            if (part.starts_with(std::string(name) + "=")) continue;
            out += (out.empty() ? "" : "&") + std::string(part);
        }
        return out;
    }
    HeaderList host_ = {{"Host", "localhost:9000"}};
};

TEST_F(PresignTest, AcceptsUntilExpiry) {
    std::string q = presign(seconds(3600), "response-content-type=image%2Fpng");
    auto auth = get(q, t_ + seconds(3599));
    ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
    EXPECT_TRUE(auth->presigned);
    EXPECT_EQ(auth->payload_mode, PayloadMode::kUnsigned);
    // Presigned URLs have no 15-minute skew limit into the past.
    EXPECT_TRUE(get(q, t_ + minutes(59)).is_ok());
    auto expired = get(q, t_ + seconds(3600));
    expect_error(expired, "AccessDenied", StatusCode::kPermissionDenied);
    EXPECT_NE(expired.status().message().find("Request has expired"), std::string::npos);
    expect_error(get(q, t_ - minutes(16)), "AccessDenied", StatusCode::kPermissionDenied);
}

TEST_F(PresignTest, ExpiresLimits) {
    EXPECT_TRUE(get(presign(seconds(604800)), t_).is_ok());
    // Out of range is malformed (AWS: 400); zero is well-formed and expired.
    expect_error(get(presign(seconds(604801)), t_), "AuthorizationQueryParametersError",
                 StatusCode::kInvalidArgument);
    expect_error(get(presign(seconds(-7)), t_), "AuthorizationQueryParametersError",
                 StatusCode::kInvalidArgument);
    expect_error(get(presign(seconds(0)), t_), "AccessDenied", StatusCode::kPermissionDenied);
    std::string q = presign(seconds(60));
    size_t at = q.find("X-Amz-Expires=60");
    q.replace(at, 16, "X-Amz-Expires=6x");
    expect_error(get(q, t_), "AuthorizationQueryParametersError", StatusCode::kInvalidArgument);
}

TEST_F(PresignTest, MissingParameters) {
    std::string q = presign(seconds(60));
    for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                                  "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"}) {
        auto r = get(drop(q, name), t_);
        expect_error(r, "AuthorizationQueryParametersError", StatusCode::kInvalidArgument);
        EXPECT_NE(r.status().message().find("requires the X-Amz-Algorithm"), std::string::npos);
    }
}

TEST_F(PresignTest, TamperedDoesNotMatch) {
    std::string q = presign(seconds(60), "a=1");
    expect_error(get("a=2" + q.substr(3), t_), "SignatureDoesNotMatch",
                 StatusCode::kUnauthenticated);
    expect_error(get(q + "&extra=1", t_), "SignatureDoesNotMatch", StatusCode::kUnauthenticated);
    expect_error(verify("GET", "/bucket/k%2Bz", q, host_, t_), "SignatureDoesNotMatch",
                 StatusCode::kUnauthenticated);
    expect_error(verify("PUT", "/bucket/k%2By", q, host_, t_), "SignatureDoesNotMatch",
                 StatusCode::kUnauthenticated);
    HeaderList other_host = {{"Host", "evil:9000"}};
    expect_error(verify("GET", "/bucket/k%2By", q, other_host, t_), "SignatureDoesNotMatch",
                 StatusCode::kUnauthenticated);
    std::string bad_sig = q;
    bad_sig.back() = bad_sig.back() == '0' ? '1' : '0';
    expect_error(get(bad_sig, t_), "SignatureDoesNotMatch", StatusCode::kUnauthenticated);
}

TEST_F(PresignTest, BodyHashHeaderSetsThePayloadMode) {
    std::string q = presign(seconds(60));
    HeaderList h = host_;
    h.emplace_back("x-amz-content-sha256", sha256_hex("body"));
    auto hex_auth = verify("GET", "/bucket/k%2By", q, h, t_);
    ASSERT_TRUE(hex_auth.is_ok()) << hex_auth.status().to_string();
    EXPECT_EQ(hex_auth->payload_mode, PayloadMode::kSignedHex);
    EXPECT_EQ(hex_auth->payload_sha256_hex, sha256_hex("body"));

    h.back().second = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    auto trailer = verify("GET", "/bucket/k%2By", q, h, t_);
    ASSERT_TRUE(trailer.is_ok());
    EXPECT_EQ(trailer->payload_mode, PayloadMode::kStreamingUnsignedTrailer);

    h.back().second = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    expect_error(verify("GET", "/bucket/k%2By", q, h, t_), "InvalidRequest",
                 StatusCode::kInvalidArgument);
}

TEST_F(PresignTest, OtherFailures) {
    std::string q = presign(seconds(60));
    HeaderList both = host_;
    both.emplace_back("Authorization", "AWS4-HMAC-SHA256 x");
    expect_error(verify("GET", "/bucket/k%2By", q, both, t_), "InvalidArgument",
                 StatusCode::kInvalidArgument);
    std::string wrong_alg = q;
    wrong_alg.replace(wrong_alg.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA512");
    expect_error(get(wrong_alg, t_), "AuthorizationQueryParametersError",
                 StatusCode::kInvalidArgument);
    testing::MapCredentials empty(std::map<std::string, std::string, std::less<>>{});
    Verifier v(empty);
    expect_error(v.verify(RequestView{"GET", "/bucket/k%2By", q, &host_}, t_), "InvalidAccessKeyId",
                 StatusCode::kUnauthenticated);
    // SigV2 presigned URLs are verified (sigv2_query_test.cpp); this one expired in 1970.
    expect_error(get("AWSAccessKeyId=AKIDTEST&Expires=1&Signature=abc", t_), "AccessDenied",
                 StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace imgpipe::sigv4
