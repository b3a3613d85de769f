#include "imaging/variant_geometry.h"

#include <gtest/gtest.h>

namespace imgpipe::imaging {
namespace {

VariantSpec box(int w, int h, Fit fit, bool enlarge = false) {
    VariantSpec v;
    v.width = w;
    v.height = h;
    v.fit = fit;
    v.enlarge = enlarge;
    return v;
}

TEST(VariantGeometryTest, CoverScalesToFillThenCrops) {
    const VariantPlan p = plan_variant({2725, 2225}, box(400, 400, Fit::kCover));
    EXPECT_EQ(p.resize, (Size{490, 400}));
    EXPECT_EQ(p.output, (Size{400, 400}));
}

TEST(VariantGeometryTest, CoverWithoutEnlargementKeepsSmallImagesAndCropsToBox) {
    EXPECT_EQ(plan_variant({100, 50}, box(400, 400, Fit::kCover)).output, (Size{100, 50}));
    EXPECT_EQ(plan_variant({600, 300}, box(400, 400, Fit::kCover)).output, (Size{400, 300}));
    EXPECT_EQ(plan_variant({5, 27397}, box(400, 400, Fit::kCover)).output, (Size{5, 400}));
    EXPECT_EQ(plan_variant({100, 50}, box(400, 400, Fit::kCover, true)).output, (Size{400, 400}));
}

TEST(VariantGeometryTest, InsideKeepsAspectWithinBox) {
    EXPECT_EQ(plan_variant({4000, 3000}, box(400, 400, Fit::kInside)).output, (Size{400, 300}));
    EXPECT_EQ(plan_variant({5, 27397}, box(400, 400, Fit::kInside)).output, (Size{1, 400}));
    EXPECT_EQ(plan_variant({30, 20}, box(400, 400, Fit::kInside)).output, (Size{30, 20}));
    EXPECT_EQ(plan_variant({30, 20}, box(300, 300, Fit::kInside, true)).output, (Size{300, 200}));
}

TEST(VariantGeometryTest, ContainAlwaysOutputsTheBox) {
    const VariantPlan p = plan_variant({4000, 3000}, box(400, 400, Fit::kContain));
    EXPECT_EQ(p.resize, (Size{400, 300}));
    EXPECT_EQ(p.output, (Size{400, 400}));
    EXPECT_EQ(plan_variant({30, 20}, box(400, 400, Fit::kContain)).output, (Size{400, 400}));
}

TEST(VariantGeometryTest, FillStretchesEachSide) {
    EXPECT_EQ(plan_variant({4000, 3000}, box(100, 400, Fit::kFill)).output, (Size{100, 400}));
    EXPECT_EQ(plan_variant({50, 3000}, box(100, 400, Fit::kFill)).output, (Size{50, 400}));
}

TEST(VariantGeometryTest, DecodeFloorIsLargestVariantNeed) {
    const ResizeSpec spec = default_resize_spec();
    EXPECT_EQ(decode_floor({2725, 2225}, spec), (Size{490, 400}));
    EXPECT_EQ(decode_floor({4000, 3000}, spec), (Size{533, 400}));
    EXPECT_EQ(decode_floor({50, 40}, spec), (Size{50, 40}));
}

TEST(VariantGeometryTest, BlockShrinkIsLargestThatCoversFloor) {
    EXPECT_EQ(choose_block_shrink({2725, 2225}, {490, 400}), 4);  // 681x556
    EXPECT_EQ(choose_block_shrink({4000, 3000}, {533, 400}), 4);  // 1000x750
    EXPECT_EQ(choose_block_shrink({3200, 3200}, {400, 400}), 8);  // exactly 400
    EXPECT_EQ(choose_block_shrink({3199, 3199}, {400, 400}), 4);  // 399 < 400
    EXPECT_EQ(choose_block_shrink({600, 600}, {400, 400}), 1);
    EXPECT_EQ(choose_block_shrink({20000, 14000}, {571, 400}, 2), 2);
}

TEST(VariantGeometryTest, ScaleCoversFloor) {
    EXPECT_DOUBLE_EQ(choose_scale({1000, 500}, {400, 100}), 0.4);
    EXPECT_DOUBLE_EQ(choose_scale({100, 100}, {100, 100}), 1.0);
}

}  // namespace
}  // namespace imgpipe::imaging
