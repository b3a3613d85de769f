#include "core/base64url.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

// RFC 4648 §10's test vectors, '=' padding dropped (base64url of them is the same text).
TEST(Base64UrlTest, Rfc4648Vectors) {
    EXPECT_EQ(base64url(""), "");
    EXPECT_EQ(base64url("f"), "Zg");
    EXPECT_EQ(base64url("fo"), "Zm8");
    EXPECT_EQ(base64url("foo"), "Zm9v");
    EXPECT_EQ(base64url("foob"), "Zm9vYg");
    EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, UsesTheUrlSafeAlphabet) {
    // 0xFB 0xFF 0xBF: 111110 111111 111110 111111 → "+/+/" in base64, "-_-_" here.
    EXPECT_EQ(base64url("\xfb\xff\xbf"), "-_-_");
}

}  // namespace
}  // namespace imgpipe
