#include "core/form_url.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

// Expected texts are AWS's own examples (S3 User Guide, "Event message structure": "red
// flower.jpg" → "red+flower.jpg") and what Python's urllib.parse.quote_plus(key, safe="/") gives.
TEST(FormUrlTest, EncodesAsS3EventKeys) {
    EXPECT_EQ(form_url_encode("red flower.jpg"), "red+flower.jpg");
    EXPECT_EQ(form_url_encode("user@x red flower.jpg"), "user%40x+red+flower.jpg");
    EXPECT_EQ(form_url_encode("uploads/a+b%c#d.jpg"), "uploads/a%2Bb%25c%23d.jpg");
    EXPECT_EQ(form_url_encode("\xc3\xbc.png"), "%C3%BC.png");
    EXPECT_EQ(form_url_encode("A-Z_a.z~0/9"), "A-Z_a.z~0/9");
}

TEST(FormUrlTest, DecodesPlusAsSpaceAndEitherHexCase) {
    EXPECT_EQ(form_url_decode("red+flower.jpg"), "red flower.jpg");
    EXPECT_EQ(form_url_decode("a%2fb%2Fc"), "a/b/c");
    EXPECT_EQ(form_url_decode("%C3%BC"), "\xc3\xbc");
    EXPECT_EQ(form_url_decode(""), "");
}

TEST(FormUrlTest, RejectsMalformedEscapes) {
    EXPECT_EQ(form_url_decode("%"), std::nullopt);
    EXPECT_EQ(form_url_decode("a%4"), std::nullopt);
    EXPECT_EQ(form_url_decode("%zz"), std::nullopt);
}

TEST(FormUrlTest, RoundTripsEveryByte) {
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    EXPECT_EQ(form_url_decode(form_url_encode(all)), all);
}

}  // namespace
}  // namespace imgpipe
