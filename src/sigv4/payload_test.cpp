// open_payload for the non-streaming modes and the checksum headers: the bytes flow through
// unchanged and a broken promise is an error from the read that reaches the end.

#include "sigv4/payload.h"

#include <gtest/gtest.h>

#include "sigv4/test_util.h"

namespace imgpipe::sigv4 {
namespace {

using testing::drain;

Authorization signed_hex(std::string_view body) {
    Authorization a;
    a.payload_mode = PayloadMode::kSignedHex;
    a.payload_sha256_hex = sha256_hex(body);
    return a;
}

Authorization unsigned_payload() {
    Authorization a;
    a.payload_mode = PayloadMode::kUnsigned;
    return a;
}

struct Outcome {
    testing::Drained drained;
    std::optional<PayloadChecksum> checksum;
};

Outcome run(const Authorization& auth, const HeaderList& headers, const std::string& body,
            std::optional<uint64_t> length, size_t read_size = 7) {
    StringByteSource raw(body);
    auto source = open_payload(auth, headers, length, raw);
    EXPECT_TRUE(source.is_ok()) << source.status().to_string();
    if (!source.is_ok()) return {};
    Outcome out{drain(**source, read_size), (*source)->checksum()};
    EXPECT_EQ(out.drained.reads_after_error_ok, 0u) << "errors must be sticky";
    return out;
}

TEST(PayloadTest, SignedHexVerifiesAtTheEnd) {
    std::string body(10000, 'x');
    auto ok = run(signed_hex(body), {}, body, body.size());
    EXPECT_TRUE(ok.drained.status.is_ok()) << ok.drained.status.to_string();
    EXPECT_EQ(ok.drained.data, body);

    auto bad = run(signed_hex("other"), {}, body, body.size());
    EXPECT_EQ(bad.drained.status.reason(), "XAmzContentSHA256Mismatch");
    // Every byte was handed out, but the stream never ended cleanly.
    EXPECT_EQ(bad.drained.data, body);
}

TEST(PayloadTest, UnsignedPassesThrough) {
    auto out = run(unsigned_payload(), {}, "hello", std::nullopt);
    EXPECT_TRUE(out.drained.status.is_ok());
    EXPECT_EQ(out.drained.data, "hello");
    EXPECT_FALSE(out.checksum.has_value());
}

TEST(PayloadTest, ContentLengthMismatch) {
    EXPECT_EQ(run(unsigned_payload(), {}, "hello", 6).drained.status.reason(), "IncompleteBody");
    EXPECT_EQ(run(unsigned_payload(), {}, "hello", 4).drained.status.reason(), "InvalidRequest");
    StringByteSource raw("hello");
    auto source = open_payload(unsigned_payload(), {}, 5, raw);
    ASSERT_TRUE(source.is_ok());
    EXPECT_EQ((*source)->declared_length(), 5u);
}

TEST(PayloadTest, ChecksumHeaderEachAlgorithm) {
    const std::string body = "123456789";
    struct Case {
        const char* header;
        const char* value;
        const char* algorithm;
    } cases[] = {
        {"x-amz-checksum-crc32", "y/Q5Jg==", "CRC32"},
        {"X-Amz-Checksum-Crc32c", "4waSgw==", "CRC32C"},
        {"x-amz-checksum-crc64nvme", "rosUhgp5mIg=", "CRC64NVME"},
        {"x-amz-checksum-sha1", "98O8HYCOBHMq32eZZczDTKeuNEE=", "SHA1"},
        {"x-amz-checksum-sha256", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=", "SHA256"}};
    for (const auto& c : cases) {
        auto ok = run(signed_hex(body), {{c.header, c.value}}, body, body.size());
        EXPECT_TRUE(ok.drained.status.is_ok()) << c.header << ok.drained.status.to_string();
        ASSERT_TRUE(ok.checksum.has_value()) << c.header;
        EXPECT_EQ(ok.checksum->algorithm, c.algorithm);
        EXPECT_EQ(ok.checksum->base64, c.value);

        auto bad = run(unsigned_payload(), {{c.header, c.value}}, "123456780", std::nullopt);
        EXPECT_EQ(bad.drained.status.reason(), "BadDigest") << c.header;
        EXPECT_FALSE(bad.checksum.has_value());
    }
}

TEST(PayloadTest, InvalidChecksumHeaders) {
    StringByteSource raw("x");
    auto wrong_length =
        open_payload(unsigned_payload(), {{"x-amz-checksum-crc32", "AAAA"}}, 1, raw);
    ASSERT_FALSE(wrong_length.is_ok());
    EXPECT_EQ(wrong_length.status().reason(), "InvalidRequest");
    auto bad_chars =
        open_payload(unsigned_payload(), {{"x-amz-checksum-crc32", "AA*AAA=="}}, 1, raw);
    EXPECT_EQ(bad_chars.status().reason(), "InvalidRequest");
    auto two = open_payload(
        unsigned_payload(),
        {{"x-amz-checksum-crc32", "y/Q5Jg=="}, {"x-amz-checksum-crc32c", "4waSgw=="}}, 1, raw);
    EXPECT_EQ(two.status().reason(), "InvalidRequest");
    auto trailer_without_streaming =
        open_payload(unsigned_payload(), {{"x-amz-trailer", "x-amz-checksum-crc32"}}, 1, raw);
    EXPECT_EQ(trailer_without_streaming.status().reason(), "InvalidRequest");
    Authorization a = signed_hex("");
    a.payload_sha256_hex = "zz";
    EXPECT_EQ(open_payload(a, {}, 1, raw).status().reason(), "InvalidArgument");
}

TEST(PayloadTest, ContentMd5) {
    auto ok = run(unsigned_payload(), {{"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}}, "hello", 5);
    EXPECT_TRUE(ok.drained.status.is_ok());
    auto bad = run(unsigned_payload(), {{"Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="}}, "hellp", 5);
    EXPECT_EQ(bad.drained.status.reason(), "BadDigest");
    StringByteSource raw("hello");
    auto invalid = open_payload(unsigned_payload(), {{"Content-MD5", "nope"}}, 5, raw);
    EXPECT_EQ(invalid.status().reason(), "InvalidDigest");
}

TEST(PayloadTest, AnonymousRequestsFollowTheirContentSha256Header) {
    Authorization anonymous;
    std::string chunked = "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
    auto trailer = run(anonymous,
                       {{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
                        {"x-amz-trailer", "x-amz-checksum-crc32"}},
                       chunked, chunked.size());
    EXPECT_TRUE(trailer.drained.status.is_ok()) << trailer.drained.status.to_string();
    EXPECT_EQ(trailer.drained.data, "hello");

    auto hex_ok = run(anonymous, {{"x-amz-content-sha256", sha256_hex("hello")}}, "hello", 5);
    EXPECT_TRUE(hex_ok.drained.status.is_ok());
    auto hex_bad = run(anonymous, {{"x-amz-content-sha256", sha256_hex("other")}}, "hello", 5);
    EXPECT_EQ(hex_bad.drained.status.reason(), "XAmzContentSHA256Mismatch");

    StringByteSource raw("hello");
    EXPECT_EQ(open_payload(anonymous,
                           {{"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}, 5, raw)
                  .status()
                  .reason(),
              "InvalidRequest");
    EXPECT_EQ(
        open_payload(anonymous, {{"x-amz-content-sha256", "nonsense"}}, 5, raw).status().reason(),
        "InvalidArgument");
}

// A source that fails mid-stream: the error reaches the consumer unchanged.
class FailingSource final : public ByteSource {
  public:
    Result<size_t> read(std::span<char> buf) override {
        if (calls_++ == 0) {
            buf[0] = 'a';
            return size_t{1};
        }
        return io_error("connection reset");
    }

  private:
    int calls_ = 0;
};

TEST(PayloadTest, RawErrorsPropagate) {
    FailingSource raw;
    auto source = open_payload(unsigned_payload(), {}, 10, raw);
    ASSERT_TRUE(source.is_ok());
    auto drained = drain(**source);
    EXPECT_EQ(drained.status.reason(), "IoError");
    EXPECT_EQ(drained.reads_after_error_ok, 0u);
}

}  // namespace
}  // namespace imgpipe::sigv4
