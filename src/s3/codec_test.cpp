#include "s3/codec.h"

#include <gtest/gtest.h>

namespace imgpipe::s3 {
namespace {

// RFC 4648 §10's vectors.
TEST(CodecTest, Base64MatchesRfc4648) {
    const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                           {"f", "Zg=="},
                                                           {"fo", "Zm8="},
                                                           {"foo", "Zm9v"},
                                                           {"foob", "Zm9vYg=="},
                                                           {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [raw, encoded] : vectors) {
        EXPECT_EQ(base64_encode(raw), encoded);
        EXPECT_EQ(base64_decode(encoded), raw);
    }
}

TEST(CodecTest, MetadataHeaderBytesBecomeText) {
    // botocore sends UTF-8; Node's http sends Latin-1 (0xE9 for 'é').
    EXPECT_EQ(metadata_from_header("Hello World\xC3\xA9"), "Hello World\xC3\xA9");
    EXPECT_EQ(metadata_from_header("Hello World\xE9"), "Hello World\xC3\xA9");
    EXPECT_EQ(metadata_from_header("plain"), "plain");
    EXPECT_EQ(metadata_from_header("\xFF"), "\xC3\xBF");
}

TEST(CodecTest, MetadataTextIsWrittenAsEveryClientReadsIt) {
    // Characters up to U+00FF go out as Latin-1, which Python, Node and browsers all decode.
    EXPECT_EQ(metadata_to_header("Hello World\xC3\xA9"), "Hello World\xE9");
    EXPECT_EQ(metadata_to_header("a b\tc"), "a b\tc");
    // Beyond Latin-1, and control characters: an RFC 2047 encoded-word of the UTF-8 text
    // (base64 of "\xE6\x97\xA5" is "5pel").
    EXPECT_EQ(metadata_to_header("\xE6\x97\xA5"), "=?UTF-8?B?5pel?=");
    EXPECT_EQ(metadata_to_header("a\r\nSet-Cookie: x"), "=?UTF-8?B?YQ0KU2V0LUNvb2tpZTogeA==?=");
    EXPECT_EQ(metadata_to_header("\xC2\x85"), "=?UTF-8?B?woU=?=");  // U+0085, a C1 control
    EXPECT_EQ(metadata_to_header("\xE9"), "=?UTF-8?B?6Q==?=");      // not text at all
}

}  // namespace
}  // namespace imgpipe::s3
