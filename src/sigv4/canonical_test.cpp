#include <gtest/gtest.h>

#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {
namespace {

TEST(CanonicalTest, UriDecodesOnceEncodesOnceWithoutNormalising) {
    EXPECT_EQ(canonical_uri(""), "/");
    EXPECT_EQ(canonical_uri("/test%24file.text"), "/test%24file.text");
    EXPECT_EQ(canonical_uri("/test$file.text"), "/test%24file.text");
    EXPECT_EQ(canonical_uri("/my-object//example//photo.user"), "/my-object//example//photo.user");
    EXPECT_EQ(canonical_uri("/a/./b/../c"), "/a/./b/../c");
    EXPECT_EQ(canonical_uri("/a%2520b"), "/a%2520b");  // a key holding "%20" literally
    EXPECT_EQ(canonical_uri("/a%20b+c"), "/a%20b%2Bc");
    EXPECT_EQ(canonical_uri("/a%2Fb"), "/a/b");
    EXPECT_EQ(canonical_uri("/bad%zz"), "/bad%25zz");
}

TEST(CanonicalTest, QuerySortedAndEncoded) {
    EXPECT_EQ(canonical_query("", false), "");
    EXPECT_EQ(canonical_query("lifecycle", false), "lifecycle=");
    EXPECT_EQ(canonical_query("prefix=J&max-keys=2", false), "max-keys=2&prefix=J");
    EXPECT_EQ(canonical_query("b=2&a=2&a=1", false), "a=1&a=2&b=2");
    EXPECT_EQ(canonical_query("k=a%2fb&&x=%7e", false), "k=a%2Fb&x=~");
    EXPECT_EQ(canonical_query("k=a b", false), "k=a%20b");
}

TEST(CanonicalTest, RawPlusInQueryIsASpace) {
    EXPECT_EQ(canonical_query("prefix=a+b", false), "prefix=a%20b");
    EXPECT_EQ(canonical_query("prefix=a%2Bb", false), "prefix=a%2Bb");
}

TEST(CanonicalTest, PresignedDropsOnlyTheSignature) {
    EXPECT_EQ(canonical_query("X-Amz-Signature=abc&X-Amz-Date=1&a=b", true), "X-Amz-Date=1&a=b");
    EXPECT_EQ(canonical_query("X-Amz-Signature=abc&a=b", false), "X-Amz-Signature=abc&a=b");
}

TEST(CanonicalTest, HeadersTrimFoldAndJoin) {
    HeaderList headers = {{"Host", "example.com"},
                          {"My-Header", "  a   b\t c  "},
                          {"X-Dup", "v2"},
                          {"x-dup", " v1 "},
                          {"Folded", "one\n   two"}};
    auto block = canonical_headers(headers, {"folded", "host", "my-header", "x-dup"});
    ASSERT_TRUE(block.is_ok());
    EXPECT_EQ(*block, "folded:one two\nhost:example.com\nmy-header:a b c\nx-dup:v2,v1\n");
}

TEST(CanonicalTest, MissingSignedHeaderIsAnError) {
    HeaderList headers = {{"Host", "example.com"}};
    auto block = canonical_headers(headers, {"host", "x-amz-date"});
    ASSERT_FALSE(block.is_ok());
    EXPECT_NE(block.status().message().find("x-amz-date"), std::string::npos);
}

TEST(CanonicalTest, RequestAndStringToSignForS3GetExample) {
    // AWS S3 API reference, "Example: GET Object".
    HeaderList headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                          {"Range", "bytes=0-9"},
                          {"x-amz-content-sha256",
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
                          {"x-amz-date", "20130524T000000Z"}};
    RequestView view{"GET", "/test.txt", "", &headers};
    std::string creq = canonical_request(
        view, {"host", "range", "x-amz-content-sha256", "x-amz-date"},
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false);
    EXPECT_EQ(creq,
              "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
              "x-amz-content-sha256:"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
              "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", creq),
              "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
              "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
}

}  // namespace
}  // namespace imgpipe::sigv4
