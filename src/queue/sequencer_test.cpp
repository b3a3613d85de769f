#include "queue/sequencer.h"

#include <gtest/gtest.h>

namespace imgpipe::queue {
namespace {

TEST(SequencerTest, EqualStringsAreTheSameCreation) {
    EXPECT_EQ(compare_sequencers("0055AED6DCD90281E5", "0055AED6DCD90281E5"), 0);
    EXPECT_EQ(compare_sequencers("", ""), 0);
}

TEST(SequencerTest, ShorterIsRightPaddedWithZeros) {
    EXPECT_EQ(compare_sequencers("0A", "0A00"), 0);
    EXPECT_EQ(compare_sequencers("0A00", "0A"), 0);
    EXPECT_EQ(compare_sequencers("", "000"), 0);
    EXPECT_GT(compare_sequencers("0B", "0A99"), 0);
    EXPECT_LT(compare_sequencers("0A99", "0B"), 0);
    EXPECT_LT(compare_sequencers("0A", "0A01"), 0);
    EXPECT_GT(compare_sequencers("0A01", "0A"), 0);
}

TEST(SequencerTest, HexDigitsCompareByValueInEitherCase) {
    EXPECT_EQ(compare_sequencers("00ff", "00FF"), 0);
    EXPECT_LT(compare_sequencers("09", "0a"), 0);
    EXPECT_LT(compare_sequencers("09", "0A"), 0);
    EXPECT_GT(compare_sequencers("0f", "0E"), 0);
    EXPECT_LT(compare_sequencers("0123456789", "0123456789ABCDEF"), 0);
}

TEST(SequencerTest, OrderIsAntisymmetric) {
    const char* all[] = {"", "0", "00", "1", "0A", "0a01", "0B", "0A99", "FF", "f", "10"};
    for (const char* a : all) {
        for (const char* b : all) {
            EXPECT_EQ(compare_sequencers(a, b), -compare_sequencers(b, a)) << a << " " << b;
        }
    }
}

TEST(SequencerTest, HexValidation) {
    EXPECT_TRUE(is_hex_sequencer("0055AED6dcd90281e5"));
    EXPECT_FALSE(is_hex_sequencer(""));
    EXPECT_FALSE(is_hex_sequencer("0x12"));
    EXPECT_FALSE(is_hex_sequencer("12 "));
}

}  // namespace
}  // namespace imgpipe::queue
