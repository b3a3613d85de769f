#include <gtest/gtest.h>

#include "sigv4/digest.h"
#include "sigv4/payload.h"

namespace imgpipe::sigv4 {
namespace {

// Check values of the catalogued CRC models over "123456789", base64 of the big-endian value:
// CRC-32/ISO-HDLC cbf43926, CRC-32/ISCSI e3069283, CRC-64/NVME ae8b14860a799888.
TEST(ChecksumTest, CrcCheckValues) {
    EXPECT_EQ(crc32_base64("123456789"), "y/Q5Jg==");
    EXPECT_EQ(crc32c_base64("123456789"), "4waSgw==");
    EXPECT_EQ(crc64nvme_base64("123456789"), "rosUhgp5mIg=");
    EXPECT_EQ(crc32_base64(""), "AAAAAA==");
}

TEST(ChecksumTest, MatchesCapturedSdkTrailer) {
    // aws-sdk-js v3 sent x-amz-checksum-crc32:z7Y9bA== for "streamed body" (s3-compat.md §1.4a).
    EXPECT_EQ(crc32_base64("streamed body"), "z7Y9bA==");
}

TEST(ChecksumTest, IncrementalEqualsOneShot) {
    std::string data(100000, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
    for (auto a :
         {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
          ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
        Checksummer whole(a);
        whole.update(data);
        Checksummer parts(a);
        for (size_t i = 0; i < data.size(); i += 777) {
            parts.update(std::string_view(data).substr(i, 777));
        }
        EXPECT_EQ(whole.finish_base64(), parts.finish_base64()) << checksum_name(a);
    }
}

TEST(ChecksumTest, ShaAlgorithms) {
    Checksummer sha1(ChecksumAlgorithm::kSha1);
    sha1.update("123456789");
    EXPECT_EQ(sha1.finish_base64(), "98O8HYCOBHMq32eZZczDTKeuNEE=");
    Checksummer sha256(ChecksumAlgorithm::kSha256);
    sha256.update("123456789");
    EXPECT_EQ(sha256.finish_base64(), "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=");
    Digest md5(DigestKind::kMd5);
    md5.update("hello");
    EXPECT_EQ(base64_encode(md5.finish()), "XUFAKrxLKna5cZ2REBfFkg==");
}

TEST(ChecksumTest, HeaderNames) {
    EXPECT_EQ(checksum_from_header("X-Amz-Checksum-CRC64NVME"), ChecksumAlgorithm::kCrc64Nvme);
    EXPECT_EQ(checksum_from_header("x-amz-checksum-crc32c"), ChecksumAlgorithm::kCrc32c);
    EXPECT_FALSE(checksum_from_header("x-amz-checksum-algorithm").has_value());
    EXPECT_FALSE(checksum_from_header("x-amz-checksum-type").has_value());
    EXPECT_EQ(checksum_size(ChecksumAlgorithm::kSha1), 20u);
}

}  // namespace
}  // namespace imgpipe::sigv4
