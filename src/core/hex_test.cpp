#include "core/hex.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

TEST(HexTest, EncodesLowerCaseAndDecodesEitherCase) {
    const std::string bytes("\x00\x1f\xab\xff", 4);
    EXPECT_EQ(to_hex(bytes), "001fabff");
    EXPECT_EQ(to_hex(""), "");
    EXPECT_EQ(from_hex("001fabff"), bytes);
    EXPECT_EQ(from_hex("001FABFF"), bytes);
    EXPECT_EQ(from_hex(""), std::string());
}

TEST(HexTest, RejectsOddLengthsAndNonHex) {
    EXPECT_EQ(from_hex("abc"), std::nullopt);
    EXPECT_EQ(from_hex("0g"), std::nullopt);
    EXPECT_EQ(from_hex("-1"), std::nullopt);
}

}  // namespace
}  // namespace imgpipe
