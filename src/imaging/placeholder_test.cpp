// Placeholder units: the ThumbHash layout of known images (header fields decoded by hand from
// the published format) and the dominant colour. The decoded picture is checked end to end
// against the original by tests/integration/test_placeholders.py with an independent decoder.

#include "imaging/placeholder.h"

#include <gtest/gtest.h>

#include <vector>

namespace imgpipe::imaging {
namespace {

std::vector<uint8_t> solid(int w, int h, Rgb c, uint8_t alpha = 255) {
    std::vector<uint8_t> out;
    for (int i = 0; i < w * h; ++i) out.insert(out.end(), {c.r, c.g, c.b, alpha});
    return out;
}

TEST(PlaceholderTest, SolidColourHashCarriesItsColourAndShape) {
    const auto rgba = solid(40, 20, {255, 0, 0});
    const std::string hash = thumbhash_from_rgba(40, 20, rgba);
    ASSERT_EQ(hash.size(), 5u + (18 + 5 + 5) / 2);  // 18 luminance, 5 P and 5 Q AC terms
    const auto byte = [&](size_t i) {
        return static_cast<uint32_t>(static_cast<uint8_t>(hash[i]));
    };
    const uint32_t header24 = byte(0) | byte(1) << 8 | byte(2) << 16;
    const uint32_t header16 = byte(3) | byte(4) << 8;
    // Red: L = 1/3, P = 1/2, Q = 1; no variation, no alpha, landscape with ly = 4.
    EXPECT_EQ(header24 & 63, 21u);          // round(63 / 3)
    EXPECT_EQ((header24 >> 6) & 63, 47u);   // round(31.5 + 31.5 * 0.5)
    EXPECT_EQ((header24 >> 12) & 63, 63u);  // round(31.5 + 31.5 * 1)
    EXPECT_EQ((header24 >> 18) & 31, 0u);   // no luminance variation
    EXPECT_EQ(header24 >> 23, 0u);          // opaque
    EXPECT_EQ(header16 & 7, 4u);            // ly = round(7 * 20 / 40)
    EXPECT_EQ(header16 >> 15, 1u);          // landscape
}

TEST(PlaceholderTest, TransparencyIsFlagged) {
    const auto rgba = solid(10, 30, {0, 0, 255}, 128);
    const std::string hash = thumbhash_from_rgba(10, 30, rgba);
    EXPECT_EQ(static_cast<uint8_t>(hash[2]) >> 7, 1u);
    EXPECT_EQ(static_cast<uint8_t>(hash[4]) >> 7, 0u);  // portrait
}

TEST(PlaceholderTest, DominantColourIsTheLargestArea) {
    std::vector<uint8_t> rgba = solid(10, 10, {200, 30, 30});
    for (int i = 0; i < 30; ++i) {  // 30 pixels of green, 70 of red
        rgba[i * 4] = 10;
        rgba[i * 4 + 1] = 180;
        rgba[i * 4 + 2] = 20;
    }
    EXPECT_EQ(dominant_colour(10, 10, rgba), (Rgb{200, 30, 30}));
    EXPECT_EQ(hex_colour({200, 30, 30}), "#c81e1e");
    EXPECT_EQ(dominant_colour(2, 2, solid(2, 2, {1, 2, 3}, 0)), Rgb{});
}

TEST(PlaceholderTest, MakePlaceholderEncodesBase64Url) {
    const Placeholder p = make_placeholder(4, 4, solid(4, 4, {0, 0, 0}));
    EXPECT_FALSE(p.thumbhash.empty());
    EXPECT_EQ(p.thumbhash.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(p.dominant, (Rgb{0, 0, 0}));
}

}  // namespace
}  // namespace imgpipe::imaging
