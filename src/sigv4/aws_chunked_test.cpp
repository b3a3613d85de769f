// aws-chunked bodies through open_payload in the three streaming modes: chunk headers split at
// every byte boundary, truncation at every byte, tampering with data, chunk signatures and
// trailers, malformed framing and checksum trailers.

#include "sigv4/aws_chunked.h"

#include <gtest/gtest.h>

#include "sigv4/payload.h"
#include "sigv4/test_util.h"

namespace imgpipe::sigv4 {
namespace {

using testing::ChunkSigner;
using testing::drain;
using testing::encode_aws_chunked;
using testing::SplitSource;

Authorization streaming_auth(PayloadMode mode) {
    Authorization a;
    a.access_key_id = "AKID";
    a.payload_mode = mode;
    a.amz_date = "20240101T000000Z";
    a.scope = "20240101/us-east-1/s3/aws4_request";
    a.signing_key = signing_key("secret", "20240101", "us-east-1", "s3");
    a.seed_signature = sha256_hex("seed");
    return a;
}

ChunkSigner signer_for(const Authorization& a) {
    return ChunkSigner{a.signing_key, a.amz_date, a.scope, a.seed_signature};
}

std::string sample_data(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + (i * 7) % 26);
    return s;
}

struct Body {
    Authorization auth;
    HeaderList headers;
    std::string wire;
    std::string data;
};

// A valid body of `n` bytes in `chunk`-byte chunks, with a CRC32C trailer in the trailer modes.
Body make_body(PayloadMode mode, size_t n, size_t chunk) {
    Body b{streaming_auth(mode), {}, {}, sample_data(n)};
    b.headers = {{"x-amz-decoded-content-length", std::to_string(n)},
                 {"Content-Encoding", "aws-chunked"}};
    std::vector<std::pair<std::string, std::string>> trailers;
    bool trailer = mode != PayloadMode::kStreamingSigned;
    if (trailer) {
        b.headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32c");
        trailers.emplace_back("x-amz-checksum-crc32c", crc32c_base64(b.data));
    }
    ChunkSigner signer = signer_for(b.auth);
    bool sign = mode != PayloadMode::kStreamingUnsignedTrailer;
    b.wire = encode_aws_chunked(b.data, chunk, sign ? &signer : nullptr, trailers, trailer);
    return b;
}

testing::Drained decode(const Authorization& auth, const HeaderList& headers, ByteSource& raw,
                        size_t read_size = 4096,
                        std::optional<PayloadChecksum>* checksum = nullptr) {
    auto source = open_payload(auth, headers, std::nullopt, raw);
    if (!source.is_ok()) return {"", source.status(), 0};
    auto out = drain(**source, read_size);
    EXPECT_EQ(out.reads_after_error_ok, 0u) << "errors must be sticky";
    if (checksum) *checksum = (*source)->checksum();
    return out;
}

testing::Drained decode(const Authorization& auth, const HeaderList& headers,
                        const std::string& wire, size_t read_size = 4096) {
    StringByteSource raw(wire);
    return decode(auth, headers, raw, read_size);
}

const PayloadMode kStreamingModes[] = {PayloadMode::kStreamingSigned,
                                       PayloadMode::kStreamingSignedTrailer,
                                       PayloadMode::kStreamingUnsignedTrailer};

TEST(AwsChunkedTest, CapturedSdkBodyWithCrc32Trailer) {
    // aws-sdk-js v3 stream upload as captured (s3-compat.md §1.4a).
    std::string wire = "d\r\nstreamed body\r\n0\r\nx-amz-checksum-crc32:z7Y9bA==\r\n\r\n";
    HeaderList headers = {{"x-amz-decoded-content-length", "13"},
                          {"x-amz-trailer", "x-amz-checksum-crc32"},
                          {"content-encoding", "aws-chunked"}};
    StringByteSource raw(wire);
    std::optional<PayloadChecksum> checksum;
    auto out = decode(streaming_auth(PayloadMode::kStreamingUnsignedTrailer), headers, raw, 4096,
                      &checksum);
    EXPECT_TRUE(out.status.is_ok()) << out.status.to_string();
    EXPECT_EQ(out.data, "streamed body");
    ASSERT_TRUE(checksum.has_value());
    EXPECT_EQ(checksum->algorithm, "CRC32");
    EXPECT_EQ(checksum->base64, "z7Y9bA==");
}

TEST(AwsChunkedTest, ReadsSplitAtEveryByteBoundary) {
    for (PayloadMode mode : kStreamingModes) {
        Body b = make_body(mode, 300, 64);
        for (size_t cut = 0; cut <= b.wire.size(); ++cut) {
            SplitSource raw(b.wire, {cut});
            auto out = decode(b.auth, b.headers, raw, 50);
            ASSERT_TRUE(out.status.is_ok()) << "cut " << cut << ": " << out.status.to_string();
            ASSERT_EQ(out.data, b.data) << "cut " << cut;
        }
        for (size_t read_size : {1, 2, 3, 63, 64, 65}) {
            SplitSource raw(b.wire, {}, 1);
            auto out = decode(b.auth, b.headers, raw, read_size);
            ASSERT_TRUE(out.status.is_ok()) << out.status.to_string();
            EXPECT_EQ(out.data, b.data);
        }
    }
}

TEST(AwsChunkedTest, TruncationAtEveryByteIsAnError) {
    for (PayloadMode mode : kStreamingModes) {
        Body b = make_body(mode, 200, 64);
        for (size_t len = 0; len < b.wire.size(); ++len) {
            auto out = decode(b.auth, b.headers, b.wire.substr(0, len), 7);
            if (len == b.wire.size() - 2) {
                // Only the CRLF closing the trailer section is missing: tolerated, since
                // everything that was promised arrived and verified.
                EXPECT_TRUE(out.status.is_ok()) << out.status.to_string();
                EXPECT_EQ(out.data, b.data);
                continue;
            }
            ASSERT_FALSE(out.status.is_ok()) << "accepted a body cut at " << len;
        }
    }
}

TEST(AwsChunkedTest, TamperedChunkDataFailsSignature) {
    for (PayloadMode mode : {PayloadMode::kStreamingSigned, PayloadMode::kStreamingSignedTrailer}) {
        Body b = make_body(mode, 200, 64);
        // One byte in each chunk, including the last partial one.
        for (size_t at : {0, 70, 150, 199}) {
            std::string wire = b.wire;
            size_t chunk = at / 64;
            size_t pos = 0;
            for (size_t i = 0; i < chunk; ++i) pos = wire.find("\r\n", pos) + 2 + 64 + 2;
            pos = wire.find("\r\n", pos) + 2 + at % 64;
            ASSERT_EQ(wire[pos], b.data[at]);
            wire[pos] = wire[pos] == 'A' ? 'B' : 'A';
            auto out = decode(b.auth, b.headers, wire, 16);
            EXPECT_EQ(out.status.reason(), "SignatureDoesNotMatch") << at;
            // The consumer saw at most the bytes up to the bad chunk, never a clean end.
            EXPECT_LE(out.data.size(), (chunk + 1) * 64);
        }
    }
}

TEST(AwsChunkedTest, TamperedSignaturesAndSeed) {
    Body b = make_body(PayloadMode::kStreamingSigned, 100, 64);
    // The final 0-size chunk's signature is checked too.
    size_t final_sig = b.wire.rfind("chunk-signature=") + 16;
    std::string wire = b.wire;
    wire[final_sig] = wire[final_sig] == '0' ? '1' : '0';
    EXPECT_EQ(decode(b.auth, b.headers, wire).status.reason(), "SignatureDoesNotMatch");

    Authorization other_seed = b.auth;
    other_seed.seed_signature = sha256_hex("other");
    EXPECT_EQ(decode(other_seed, b.headers, b.wire).status.reason(), "SignatureDoesNotMatch");

    std::string unsigned_chunk = "40\r\n" + b.data.substr(0, 64) + "\r\n";
    EXPECT_EQ(decode(b.auth, b.headers, unsigned_chunk).status.reason(), "SignatureDoesNotMatch");

    // Upper-case hex in a chunk signature is accepted (it is the same signature).
    std::string upper = b.wire;
    size_t first = upper.find("chunk-signature=") + 16;
    for (size_t i = first; i < first + 64; ++i)
        upper[i] = static_cast<char>(std::toupper(upper[i]));
    EXPECT_TRUE(decode(b.auth, b.headers, upper).status.is_ok());
}

TEST(AwsChunkedTest, SignedTrailerTampering) {
    Body b = make_body(PayloadMode::kStreamingSignedTrailer, 100, 64);
    ASSERT_TRUE(decode(b.auth, b.headers, b.wire).status.is_ok());

    std::string bad_sig = b.wire;
    size_t at = bad_sig.find("x-amz-trailer-signature:") + 24;
    bad_sig[at] = bad_sig[at] == '0' ? '1' : '0';
    EXPECT_EQ(decode(b.auth, b.headers, bad_sig).status.reason(), "SignatureDoesNotMatch");

    std::string bad_value = b.wire;
    size_t v = bad_value.find("x-amz-checksum-crc32c:") + 22;
    bad_value[v] = bad_value[v] == 'A' ? 'B' : 'A';
    EXPECT_EQ(decode(b.auth, b.headers, bad_value).status.reason(), "SignatureDoesNotMatch");

    std::string no_sig = b.wire.substr(0, b.wire.find("x-amz-trailer-signature:")) + "\r\n";
    EXPECT_EQ(decode(b.auth, b.headers, no_sig).status.reason(), "SignatureDoesNotMatch");
}

TEST(AwsChunkedTest, ChecksumTrailerEachAlgorithm) {
    std::string data = sample_data(1000);
    struct Case {
        const char* name;
        std::string value;
    } cases[] = {{"x-amz-checksum-crc32", crc32_base64(data)},
                 {"x-amz-checksum-crc32c", crc32c_base64(data)},
                 {"x-amz-checksum-crc64nvme", crc64nvme_base64(data)},
                 {"x-amz-checksum-sha1", ""},
                 {"x-amz-checksum-sha256", ""}};
    for (auto& c : cases) {
        if (c.value.empty()) {
            Checksummer sum(*checksum_from_header(c.name));
            sum.update(data);
            c.value = sum.finish_base64();
        }
        Authorization auth = streaming_auth(PayloadMode::kStreamingUnsignedTrailer);
        HeaderList headers = {{"x-amz-trailer", c.name}};
        std::string wire = encode_aws_chunked(data, 300, nullptr, {{c.name, c.value}}, true);
        StringByteSource raw(wire);
        std::optional<PayloadChecksum> checksum;
        auto ok = decode(auth, headers, raw, 100, &checksum);
        EXPECT_TRUE(ok.status.is_ok()) << c.name << ok.status.to_string();
        ASSERT_TRUE(checksum.has_value());
        EXPECT_EQ(checksum->base64, c.value);

        std::string other = data;
        other[500] ^= 1;
        std::string bad = encode_aws_chunked(other, 300, nullptr, {{c.name, c.value}}, true);
        EXPECT_EQ(decode(auth, headers, bad).status.reason(), "BadDigest") << c.name;
    }
}

TEST(AwsChunkedTest, TrailerDeclarations) {
    Authorization auth = streaming_auth(PayloadMode::kStreamingUnsignedTrailer);
    HeaderList declared = {{"x-amz-trailer", "x-amz-checksum-crc32"}};
    EXPECT_EQ(decode(auth, declared, "3\r\nabc\r\n0\r\n\r\n").status.reason(),
              "MalformedTrailerError");
    EXPECT_EQ(
        decode(auth, {}, "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n").status.reason(),
        "MalformedTrailerError");
    EXPECT_TRUE(decode(auth, declared, "3\r\nabc\r\n0\r\nX-Amz-Checksum-Crc32 : NSRBwg==\r\n\r\n")
                    .status.is_ok());
    EXPECT_EQ(decode(auth, declared, "3\r\nabc\r\n0\r\nno colon\r\n\r\n").status.reason(),
              "MalformedTrailerError");
    EXPECT_EQ(decode(auth, {{"x-amz-trailer", "x-amz-meta-a"}}, "0\r\n\r\n").status.reason(),
              "InvalidRequest");
    std::string many = "0\r\n";
    for (int i = 0; i < 2000; ++i) many += "x-amz-checksum-crc32:NSRBwg==\r\n";
    EXPECT_EQ(decode(auth, declared, many + "\r\n").status.reason(), "MalformedTrailerError");
}

TEST(AwsChunkedTest, DecodedContentLength) {
    Authorization auth = streaming_auth(PayloadMode::kStreamingUnsignedTrailer);
    std::string wire = "3\r\nabc\r\n0\r\n\r\n";
    EXPECT_TRUE(decode(auth, {{"x-amz-decoded-content-length", "3"}}, wire).status.is_ok());
    EXPECT_EQ(decode(auth, {{"x-amz-decoded-content-length", "4"}}, wire).status.reason(),
              "IncompleteBody");
    EXPECT_EQ(decode(auth, {{"x-amz-decoded-content-length", "2"}}, wire).status.reason(),
              "InvalidRequest");
    EXPECT_EQ(decode(auth, {{"x-amz-decoded-content-length", "-1"}}, wire).status.reason(),
              "InvalidArgument");
    StringByteSource raw(wire);
    auto source = open_payload(auth, {{"x-amz-decoded-content-length", "3"}}, uint64_t{14}, raw);
    ASSERT_TRUE(source.is_ok());
    EXPECT_EQ((*source)->declared_length(), 3u);
}

TEST(AwsChunkedTest, MalformedFraming) {
    Authorization auth = streaming_auth(PayloadMode::kStreamingUnsignedTrailer);
    struct Case {
        std::string wire;
        const char* reason;
    } cases[] = {
        {"", "IncompleteBody"},
        {"zz\r\nab\r\n0\r\n\r\n", "InvalidRequest"},
        {"\r\n", "InvalidRequest"},
        {"5\r\nhel", "IncompleteBody"},
        {"5\r\nhello", "IncompleteBody"},
        {"5\r\nhelloXX\r\n0\r\n\r\n", "InvalidRequest"},
        {"5\nhello\r\n0\r\n\r\n", "InvalidRequest"},
        {"5\r\nhello\r\n0\r\n\r\nextra", "InvalidRequest"},
        {std::string(5000, '0'), "InvalidRequest"},
        {"1" + std::string(16, '0') + "\r\n", "InvalidRequest"},
        {"ffffffffffffffff\r\nabc", "IncompleteBody"},
        {"5;" + std::string(5000, 'x') + "\r\nhello\r\n0\r\n\r\n", "InvalidRequest"},
        {"-1\r\n", "InvalidRequest"},
    };
    for (const auto& c : cases) {
        auto out = decode(auth, {}, c.wire, 3);
        EXPECT_EQ(out.status.reason(), c.reason) << c.wire.substr(0, 40);
    }
    // Extensions other than chunk-signature are ignored; so is a chunk-signature when unsigned.
    auto ok = decode(auth, {}, "5;foo=bar\r\nhello\r\n3;chunk-signature=00\r\nabc\r\n0\r\n\r\n");
    EXPECT_TRUE(ok.status.is_ok()) << ok.status.to_string();
    EXPECT_EQ(ok.data, "helloabc");
}

TEST(AwsChunkedTest, SignedModeWithoutTrailerRejectsTrailerLines) {
    Body b = make_body(PayloadMode::kStreamingSigned, 10, 64);
    std::string wire =
        b.wire.substr(0, b.wire.size() - 2) + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    EXPECT_EQ(decode(b.auth, b.headers, wire).status.reason(), "InvalidRequest");
}

TEST(AwsChunkedTest, SignedModesNeedTheSigningKey) {
    Authorization auth = streaming_auth(PayloadMode::kStreamingSigned);
    auth.signing_key.clear();
    StringByteSource raw("0\r\n\r\n");
    EXPECT_EQ(open_payload(auth, {}, std::nullopt, raw).status().reason(), "InvalidRequest");
}

TEST(AwsChunkedTest, LargeChunksStreamWithoutBuffering) {
    // A 1 MiB chunk read through 4 KiB reads: the decoder never holds more than its buffer.
    Body b = make_body(PayloadMode::kStreamingSignedTrailer, 1 << 20, 1 << 20);
    auto out = decode(b.auth, b.headers, b.wire, 4096);
    EXPECT_TRUE(out.status.is_ok()) << out.status.to_string();
    EXPECT_EQ(out.data.size(), size_t{1} << 20);
}

}  // namespace
}  // namespace imgpipe::sigv4
