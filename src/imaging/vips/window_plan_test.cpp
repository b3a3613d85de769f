#include "imaging/vips/window_plan.h"

#include <gtest/gtest.h>

namespace imgpipe::imaging::vips_impl {
namespace {

// Where output pixel `crop` of the cut lands in the decoded image, against where a resize of the
// whole axis to `full` puts pixel `offset`, in output pixels.
double phase_error(const AxisCut& cut, int decoded, int full, int offset) {
    const double step = static_cast<double>(decoded) / full;
    const double ideal = (offset + 0.5) * step - 0.5;
    const double got = cut.reduced.offset + (cut.crop - cut.trusted) * cut.reduced.scale;
    return std::abs(got - ideal) / step;
}

TEST(VipsWindowPlanTest, WholeAxisOfTheDecodedImageIsOneExactReduce) {
    auto cut = plan_axis(identity_axis(556), 556, 400, 0, 400);
    ASSERT_TRUE(cut.has_value());
    EXPECT_EQ(cut->start, 0);
    EXPECT_EQ(cut->length, 556);
    EXPECT_EQ(cut->out_length, 400);
    EXPECT_EQ(cut->crop, 0);
    EXPECT_LT(phase_error(*cut, 556, 400, 0), 1e-9);
}

TEST(VipsWindowPlanTest, CentreCropReadsOnlyItsPartWithMargin) {
    // 681 decoded pixels resized to 490, of which the middle 400 are kept.
    auto cut = plan_axis(identity_axis(681), 681, 490, 45, 400);
    ASSERT_TRUE(cut.has_value());
    EXPECT_LT(cut->length, 681);
    EXPECT_GT(cut->start, 0);
    EXPECT_GE(cut->crop, kLanczosReach);
    EXPECT_LE(cut->crop + 400 + kLanczosReach, cut->out_length);
    EXPECT_LE(phase_error(*cut, 681, 490, 45), kMaxPhaseError);
    EXPECT_FALSE(cut->reduced.at_start);
    EXPECT_FALSE(cut->reduced.at_end);
    // Pixels next to the cut edges were made from repeated edge pixels: not offered to later
    // variants, and not part of this one.
    EXPECT_GE(cut->trusted, kLanczosReach - 1);
    EXPECT_LE(cut->trusted + cut->reduced.length, cut->out_length - (kLanczosReach - 1));
    EXPECT_GE(cut->crop, cut->trusted);
    EXPECT_LE(cut->crop + 400, cut->trusted + cut->reduced.length);
}

TEST(VipsWindowPlanTest, SmallerVariantsCascadeFromAnIntermediate) {
    auto big = plan_axis(identity_axis(681), 681, 490, 45, 400);
    ASSERT_TRUE(big.has_value());
    auto half = plan_axis(big->reduced, 681, 245, 22, 200);
    ASSERT_TRUE(half.has_value());
    EXPECT_NEAR(half->shrink, 2.0, 1e-9);
    EXPECT_LE(phase_error(*half, 681, 245, 22), kMaxPhaseError);
    auto quarter = plan_axis(half->reduced, 681, 122, 11, 100);
    ASSERT_TRUE(quarter.has_value());
    EXPECT_LE(phase_error(*quarter, 681, 122, 11), kMaxPhaseError);
}

TEST(VipsWindowPlanTest, RefusesEnlargingLargeShrinksAndMissingMargin) {
    EXPECT_FALSE(plan_axis(identity_axis(100), 100, 200, 0, 200).has_value());
    EXPECT_FALSE(plan_axis(identity_axis(1000), 1000, 100, 0, 100).has_value());
    // An intermediate holding only the middle of the image cannot make its edges.
    auto middle = plan_axis(identity_axis(681), 681, 490, 45, 400);
    ASSERT_TRUE(middle.has_value());
    EXPECT_FALSE(plan_axis(middle->reduced, 681, 245, 0, 245).has_value());
}

}  // namespace
}  // namespace imgpipe::imaging::vips_impl
