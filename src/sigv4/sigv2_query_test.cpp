#include "sigv4/sigv2_query.h"

#include <gtest/gtest.h>

#include "sigv4/test_util.h"

namespace imgpipe::sigv4 {
namespace {

using std::chrono::seconds;

// The AWS documentation's query-string authentication example (REST authentication, SigV2):
// GET /photos/puppy.jpg on johnsmith.s3.amazonaws.com, Expires 1175139620.
constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kQuery =
    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%"
    "2BWFzoENXmpNDUsSn8%3D";

class Sigv2QueryTest : public ::testing::Test {
  protected:
    TimePoint before_expiry() const { return TimePoint(seconds(1175139620 - 60)); }
    RequestView view(std::string_view path, std::string_view query,
                     std::string_view bucket = "johnsmith") const {
        return RequestView{"GET", path, query, &headers_, bucket};
    }

    testing::MapCredentials credentials_{{{std::string(kAccessKey), std::string(kSecret)}}};
    HeaderList headers_{{"Host", "johnsmith.s3.amazonaws.com"}};
};

TEST_F(Sigv2QueryTest, StringToSignMatchesTheDocumentedExample) {
    EXPECT_EQ(sigv2_string_to_sign(view("/photos/puppy.jpg", kQuery), "1175139620"),
              "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
}

TEST_F(Sigv2QueryTest, VerifiesTheDocumentedExampleVirtualHostedAndPathStyle) {
    auto auth =
        verify_sigv2_query(view("/photos/puppy.jpg", kQuery), credentials_, before_expiry());
    ASSERT_TRUE(auth.is_ok()) << auth.status().to_string();
    EXPECT_EQ(auth->access_key_id, kAccessKey);
    EXPECT_TRUE(auth->presigned);
    EXPECT_EQ(auth->payload_mode, PayloadMode::kUnsigned);
    // The same resource addressed path-style signs identically.
    EXPECT_TRUE(verify_sigv2_query(view("/johnsmith/photos/puppy.jpg", kQuery, ""), credentials_,
                                   before_expiry())
                    .is_ok());
}

TEST_F(Sigv2QueryTest, SignedSubresourcesAreSortedIntoTheResource) {
    EXPECT_EQ(
        sigv2_string_to_sign(
            view("/b/k", "versionId=3&response-content-type=text%2Fplain&x-id=1&acl", ""), "9"),
        "GET\n\n\n9\n/b/k?acl&response-content-type=text/plain&versionId=3");
}

TEST_F(Sigv2QueryTest, RejectsExpiredTamperedUnknownAndIncomplete) {
    auto expired = verify_sigv2_query(view("/photos/puppy.jpg", kQuery), credentials_,
                                      TimePoint(seconds(1175139621)));
    EXPECT_EQ(expired.status().reason(), "AccessDenied");
    EXPECT_EQ(expired.status().message(), "Request has expired");

    auto tampered =
        verify_sigv2_query(view("/photos/kitten.jpg", kQuery), credentials_, before_expiry());
    EXPECT_EQ(tampered.status().reason(), "SignatureDoesNotMatch");

    std::string unknown(kQuery);
    unknown.replace(unknown.find("AKIA"), 4, "AKIB");
    EXPECT_EQ(verify_sigv2_query(view("/photos/puppy.jpg", unknown), credentials_, before_expiry())
                  .status()
                  .reason(),
              "InvalidAccessKeyId");

    EXPECT_EQ(verify_sigv2_query(view("/photos/puppy.jpg", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"),
                                 credentials_, before_expiry())
                  .status()
                  .reason(),
              "AuthorizationQueryParametersError");
    EXPECT_EQ(verify_sigv2_query(view("/p", "AWSAccessKeyId=a&Expires=soon&Signature=x"),
                                 credentials_, before_expiry())
                  .status()
                  .reason(),
              "AuthorizationQueryParametersError");
}

TEST_F(Sigv2QueryTest, TheVerifierAcceptsSigv2PresignedUrls) {
    Verifier verifier(credentials_);
    EXPECT_TRUE(verifier.verify(view("/photos/puppy.jpg", kQuery), before_expiry()).is_ok());
}

}  // namespace
}  // namespace imgpipe::sigv4
