// The S3 worked examples of the AWS S3 API reference (s3-compat.md §1.6): all six signatures,
// plus the chunk signatures of the chunked-upload example. Each signed request is also
// verified back.

#include <gtest/gtest.h>

#include "sigv4/auth_params.h"
#include "sigv4/payload.h"
#include "sigv4/sigv4.h"
#include "sigv4/test_util.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class S3ExampleTest : public ::testing::Test {
  protected:
    SigningCredentials creds_{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                              "us-east-1", "s3"};
    testing::MapCredentials provider_{{{creds_.access_key_id, creds_.secret_key}}};
    Verifier verifier_{provider_};
    TimePoint t_ = *parse_amz_date("20130524T000000Z");

    // Signs, returns the signature, and checks the Verifier accepts the result.
    std::string sign_and_verify(std::string_view method, std::string_view path,
                                std::string_view query, HeaderList headers,
                                std::string_view payload_hash) {
        sign_request(creds_, method, path, query, headers, payload_hash, t_);
        auto authz = find_header(headers, "authorization");
        EXPECT_TRUE(authz.has_value());
        auto params = parse_authorization_header(*authz);
        EXPECT_TRUE(params.is_ok());
        auto auth = verifier_.verify(RequestView{method, path, query, &headers},
                                     t_ + std::chrono::seconds(5));
        EXPECT_TRUE(auth.is_ok()) << auth.status().to_string();
        return params->signature;
    }
};

TEST_F(S3ExampleTest, GetObject) {
    EXPECT_EQ(sign_and_verify("GET", "/test.txt", "",
                              {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                              kEmptyHash),
              "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_F(S3ExampleTest, PutObjectWithDateHeader) {
    std::string body = "Welcome to Amazon S3.";
    HeaderList headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                          {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                          {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
    EXPECT_EQ(sign_and_verify("PUT", "/test%24file.text", "", headers, sha256_hex(body)),
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    // The raw '$' canonicalises the same way: decode once, encode once.
    EXPECT_EQ(sign_and_verify("PUT", "/test$file.text", "", headers, sha256_hex(body)),
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST_F(S3ExampleTest, GetBucketLifecycle) {
    EXPECT_EQ(sign_and_verify("GET", "/", "lifecycle", {{"Host", "examplebucket.s3.amazonaws.com"}},
                              kEmptyHash),
              "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST_F(S3ExampleTest, ListObjects) {
    EXPECT_EQ(sign_and_verify("GET", "/", "max-keys=2&prefix=J",
                              {{"Host", "examplebucket.s3.amazonaws.com"}}, kEmptyHash),
              "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST_F(S3ExampleTest, PresignedGet) {
    std::string query = presign_query(creds_, "GET", "examplebucket.s3.amazonaws.com", "/test.txt",
                                      "", std::chrono::seconds(86400), t_);
    EXPECT_EQ(query,
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
              "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
              "X-Amz-SignedHeaders=host&X-Amz-Signature="
              "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    HeaderList headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
    RequestView view{"GET", "/test.txt", query, &headers};
    auto auth = verifier_.verify(view, t_ + std::chrono::hours(23));
    ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
    EXPECT_TRUE(auth->presigned);
    EXPECT_EQ(auth->payload_mode, PayloadMode::kUnsigned);
    auto expired = verifier_.verify(view, t_ + std::chrono::seconds(86400));
    ASSERT_FALSE(expired.is_ok());
    EXPECT_EQ(expired.status().reason(), "AccessDenied");
    EXPECT_NE(expired.status().message().find("Request has expired"), std::string::npos);
}

// "Example: PUT Object" of the chunked-upload page: 66560 x 'a' in 64 KiB chunks.
TEST_F(S3ExampleTest, ChunkedUploadSeedAndChunkSignatures) {
    HeaderList headers = {{"Host", "s3.amazonaws.com"},
                          {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                          {"Content-Encoding", "aws-chunked"},
                          {"x-amz-decoded-content-length", "66560"},
                          {"Content-Length", "66824"}};
    std::string seed = sign_and_verify("PUT", "/examplebucket/chunkObject.txt", "", headers,
                                       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    EXPECT_EQ(seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

    sign_request(creds_, "PUT", "/examplebucket/chunkObject.txt", "", headers,
                 "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", t_);
    auto auth =
        verifier_.verify(RequestView{"PUT", "/examplebucket/chunkObject.txt", "", &headers}, t_);
    ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
    EXPECT_EQ(auth->payload_mode, PayloadMode::kStreamingSigned);
    EXPECT_EQ(auth->seed_signature, seed);
    EXPECT_EQ(auth->scope, "20130524/us-east-1/s3/aws4_request");

    std::string data(66560, 'a');
    testing::ChunkSigner signer{auth->signing_key, auth->amz_date, auth->scope, seed};
    EXPECT_EQ(signer.sign_chunk(std::string_view(data).substr(0, 65536)),
              "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
    EXPECT_EQ(signer.sign_chunk(std::string_view(data).substr(65536)),
              "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
    EXPECT_EQ(signer.sign_chunk(""),
              "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");

    testing::ChunkSigner encoder{auth->signing_key, auth->amz_date, auth->scope, seed};
    std::string body = testing::encode_aws_chunked(data, 65536, &encoder, {}, false);
    EXPECT_EQ(body.size(), 66824u);
    EXPECT_NE(body.find("10000;chunk-signature=ad80c730a21e5b8d"), std::string::npos);
    StringByteSource raw(body);
    auto payload = open_payload(*auth, headers, body.size(), raw);
    ASSERT_TRUE(payload.is_ok()) << payload.status().to_string();
    EXPECT_EQ((*payload)->declared_length(), 66560u);
    auto drained = testing::drain(**payload, 1000);
    EXPECT_TRUE(drained.status.is_ok()) << drained.status.to_string();
    EXPECT_EQ(drained.data, data);
}

TEST(SignerTest, SignRequestSkipsUnsignableHeadersAndReplacesOldAuth) {
    SigningCredentials creds{"AK", "SECRET", "eu-central-1", "s3"};
    HeaderList headers = {{"Host", "localhost:9000"},
                          {"User-Agent", "test"},
                          {"Expect", "100-continue"},
                          {"Authorization", "stale"},
                          {"X-Amz-Meta-A", "1"}};
    TimePoint t = *parse_amz_date("20240101T120000Z");
    sign_request(creds, "PUT", "/b/k", "", headers, "UNSIGNED-PAYLOAD", t);
    auto authz = find_header(headers, "authorization");
    ASSERT_TRUE(authz);
    EXPECT_EQ(authz->find("stale"), std::string_view::npos);
    EXPECT_NE(authz->find("Credential=AK/20240101/eu-central-1/s3/aws4_request"),
              std::string_view::npos);
    EXPECT_NE(authz->find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-meta-a,"),
              std::string_view::npos);
    size_t count = 0;
    for (const auto& h : headers) count += iequals(h.first, "authorization");
    EXPECT_EQ(count, 1u);
}

}  // namespace
}  // namespace imgpipe::sigv4
