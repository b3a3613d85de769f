#include <gtest/gtest.h>

#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {
namespace {

TEST(PrimitivesTest, HexAndSha256) {
    EXPECT_EQ(to_hex(std::string("\x00\x1f\xab\xff", 4)), "001fabff");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("Welcome to Amazon S3."),
              "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    EXPECT_EQ(sha256("").size(), 32u);
}

TEST(PrimitivesTest, HmacSha256MatchesRfc4231Case2) {
    EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(PrimitivesTest, UriEncodeKeepsUnreservedOnly) {
    EXPECT_EQ(uri_encode("-._~AZaz09", false), "-._~AZaz09");
    EXPECT_EQ(uri_encode("a b+c/d$=&%", false), "a%20b%2Bc%2Fd%24%3D%26%25");
    EXPECT_EQ(uri_encode("/a b/c", true), "/a%20b/c");
    EXPECT_EQ(uri_encode("\xe1\x88\xb4", false), "%E1%88%B4");
}

TEST(PrimitivesTest, UriDecode) {
    EXPECT_EQ(uri_decode("a%20b%2fc+d"), "a b/c+d");
    EXPECT_EQ(uri_decode("%E1%88%B4"), "\xe1\x88\xb4");
    EXPECT_EQ(uri_decode(""), "");
    EXPECT_FALSE(uri_decode("%").has_value());
    EXPECT_FALSE(uri_decode("%2").has_value());
    EXPECT_FALSE(uri_decode("a%zz").has_value());
}

TEST(PrimitivesTest, AmzDateRoundTrip) {
    auto t = parse_amz_date("20130524T000000Z");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count(),
              1369353600);
    EXPECT_EQ(format_amz_date(*t), "20130524T000000Z");
    auto u = parse_amz_date("20150830T123600Z");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(format_amz_date(*u + std::chrono::milliseconds(999)), "20150830T123600Z");
}

TEST(PrimitivesTest, AmzDateRejectsMalformed) {
    for (const char* bad :
         {"", "20130524T000000", "20130524 000000Z", "2013052aT000000Z", "20130231T000000Z",
          "20131324T000000Z", "20130524T250000Z", "20130524T006000Z", "20130524T000000Z1"}) {
        EXPECT_FALSE(parse_amz_date(bad).has_value()) << bad;
    }
}

TEST(PrimitivesTest, SigningKeyMatchesAwsExample) {
    // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
    EXPECT_EQ(to_hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                 "us-east-1", "iam")),
              "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

}  // namespace
}  // namespace imgpipe::sigv4
