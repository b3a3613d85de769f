#include "sigv4/checksum_combine.h"

#include <gtest/gtest.h>

#include <string>

#include "sigv4/payload.h"

namespace imgpipe::sigv4 {
namespace {

// The published check values (CRC of "123456789") of each CRC, from the CRC catalogue.
struct CheckValue {
    ChecksumAlgorithm algorithm;
    uint64_t check;
};
constexpr CheckValue kCheckValues[] = {
    {ChecksumAlgorithm::kCrc32, 0xCBF43926ULL},
    {ChecksumAlgorithm::kCrc32c, 0xE3069283ULL},
    {ChecksumAlgorithm::kCrc64Nvme, 0xAE8B14860A799888ULL},
};

uint64_t crc_of(ChecksumAlgorithm algorithm, std::string_view data) {
    Checksummer c(algorithm);
    c.update(data);
    auto raw = base64_decode(c.finish_base64());
    uint64_t value = 0;
    for (unsigned char ch : *raw) value = (value << 8) | ch;
    return value;
}

TEST(ChecksumCombineTest, CombinedHalvesGiveTheCheckValue) {
    for (const CheckValue& cv : kCheckValues) {
        for (size_t split = 0; split <= 9; ++split) {
            const std::string text = "123456789";
            const uint64_t a = crc_of(cv.algorithm, text.substr(0, split));
            const uint64_t b = crc_of(cv.algorithm, text.substr(split));
            EXPECT_EQ(crc_combine(cv.algorithm, a, b, 9 - split), cv.check)
                << checksum_name(cv.algorithm) << " split at " << split;
        }
    }
}

TEST(ChecksumCombineTest, LongSecondPartCombines) {
    // A length with many bits set walks every squaring round.
    const std::string a(1000, 'a');
    const std::string b(5 * 1024 * 1024 + 12345, 'b');
    for (const CheckValue& cv : kCheckValues) {
        EXPECT_EQ(
            crc_combine(cv.algorithm, crc_of(cv.algorithm, a), crc_of(cv.algorithm, b), b.size()),
            crc_of(cv.algorithm, a + b))
            << checksum_name(cv.algorithm);
    }
}

// Expected values from Python's zlib.crc32 and hashlib over "hello " and "world".
TEST(ChecksumCombineTest, FullObjectOfTwoParts) {
    auto full = combine_full_object(ChecksumAlgorithm::kCrc32, {{"7YH59g==", 6}, {"OncRQw==", 5}});
    ASSERT_TRUE(full.is_ok()) << full.status().to_string();
    EXPECT_EQ(*full, "DUoRhQ==");
}

TEST(ChecksumCombineTest, CompositeIsChecksumOfPartChecksums) {
    auto crc = combine_composite(ChecksumAlgorithm::kCrc32, {"7YH59g==", "OncRQw=="});
    ASSERT_TRUE(crc.is_ok());
    EXPECT_EQ(*crc, "1Fu2mQ==-2");
    auto sha = combine_composite(ChecksumAlgorithm::kSha256,
                                 {"XjI1qDRuWkWF+MWFYvUFK4/iajuxIuHpbHZ4SWTfxGE=",
                                  "SG6kYiTRu0+2gPNPfJrZao8k7Ii+c+qOWmxlJg6cuKc="});
    ASSERT_TRUE(sha.is_ok());
    EXPECT_EQ(*sha, "Zhie15keHg/OBlOZxcoF/BXCgYZaeimRvdZnwUZqkaQ=-2");
}

TEST(ChecksumCombineTest, MalformedPartChecksumIsRefused) {
    EXPECT_FALSE(combine_composite(ChecksumAlgorithm::kCrc32, {"not base64!"}).is_ok());
    EXPECT_FALSE(combine_full_object(ChecksumAlgorithm::kCrc64Nvme, {{"7YH59g==", 6}}).is_ok());
}

TEST(ChecksumCombineTest, NamesAnyCase) {
    EXPECT_EQ(checksum_from_name("crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
    EXPECT_EQ(checksum_from_name("SHA256"), ChecksumAlgorithm::kSha256);
    EXPECT_FALSE(checksum_from_name("MD5").has_value());
    EXPECT_TRUE(is_crc(ChecksumAlgorithm::kCrc32c));
    EXPECT_FALSE(is_crc(ChecksumAlgorithm::kSha1));
}

}  // namespace
}  // namespace imgpipe::sigv4
