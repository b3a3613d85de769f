#include "imaging/vips/cascade_plan.h"

#include <gtest/gtest.h>

namespace imgpipe::imaging::vips_impl {
namespace {

VariantSpec box(int width, int height, Fit fit = Fit::kCover, Gravity gravity = Gravity::kCentre) {
    VariantSpec v;
    v.width = width;
    v.height = height;
    v.fit = fit;
    v.gravity = gravity;
    return v;
}

std::vector<Window> windows_of(Size upright, const std::vector<VariantSpec>& variants,
                               int orientation) {
    std::vector<Window> windows;
    windows.reserve(variants.size());
    for (const auto& v : variants) {
        windows.push_back(stored_window(plan_variant(upright, v), v, orientation));
    }
    return windows;
}

TEST(VipsCascadePlanTest, DefaultJobCascadesFromLargestToSmallest) {
    const ResizeSpec spec = default_resize_spec();
    const auto steps = plan_cascade({681, 556}, windows_of({2725, 2225}, spec.variants, 1));
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].variant, 0u);
    EXPECT_EQ(steps[0].source, -1);
    EXPECT_EQ(steps[1].source, 0);
    EXPECT_EQ(steps[2].source, 1);
    for (const auto& step : steps) EXPECT_TRUE(step.x.has_value());
    // The 400x400 crop of 490x400 reads less than the whole decoded width.
    EXPECT_LT(steps[0].x->length, 681);
}

TEST(VipsCascadePlanTest, ChainsGroupStepsByWhatTheyReadFirst) {
    VariantSpec attention = box(300, 300, Fit::kCover, Gravity::kAttention);
    const auto steps = plan_cascade(
        {681, 556}, windows_of({2725, 2225}, {box(400, 400), box(200, 200), attention}, 1));
    ASSERT_EQ(steps.size(), 3u);
    const auto chains = chains_of(steps);
    size_t total = 0;
    for (const auto& chain : chains) {
        total += chain.size();
        EXPECT_LT(steps[chain.front()].source, 0);
        for (size_t k = 1; k < chain.size(); ++k) {
            const int source = steps[chain[k]].source;
            EXPECT_GE(source, 0);
            EXPECT_TRUE(steps[static_cast<size_t>(source)].feeds_later);
        }
    }
    EXPECT_EQ(total, steps.size());
}

TEST(VipsCascadePlanTest, SmallerVariantListedFirstStillCascades) {
    const auto steps =
        plan_cascade({681, 556}, windows_of({2725, 2225}, {box(100, 100), box(400, 400)}, 1));
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0].variant, 1u);
    EXPECT_EQ(steps[1].variant, 0u);
    EXPECT_EQ(steps[1].source, 0);
}

TEST(VipsCascadePlanTest, EnlargingFallsBackToWholeResize) {
    VariantSpec big = box(1000, 1000);
    big.enlarge = true;
    const auto steps = plan_cascade({500, 400}, windows_of({500, 400}, {big}, 1));
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(steps[0].source, -1);
    EXPECT_FALSE(steps[0].x.has_value());
}

TEST(VipsCascadePlanTest, StoredWindowFollowsOrientation) {
    // Upright 750x1000 (stored 1000x750, EXIF 6 or 8): 400x400 cover resizes to 400x533 and
    // keeps rows 66..466.
    const VariantSpec v = box(400, 400);
    const VariantPlan plan = plan_variant({750, 1000}, v);
    ASSERT_EQ(plan.resize, (Size{400, 533}));
    const Window w6 = stored_window(plan, v, 6);  // upright y = stored x
    EXPECT_EQ(w6.full, (Size{533, 400}));
    EXPECT_EQ(w6.x, 66);
    EXPECT_EQ(w6.y, 0);
    EXPECT_EQ(w6.width, 400);
    EXPECT_EQ(w6.height, 400);
    const Window w8 = stored_window(plan, v, 8);  // upright y = stored width - 1 - x
    EXPECT_EQ(w8.x, 533 - 66 - 400);
    const Window w3 = stored_window(plan_variant({1000, 750}, v), v, 3);  // both reversed
    EXPECT_EQ(w3.x, 533 - 66 - 400);
    EXPECT_EQ(w3.y, 0);
}

TEST(VipsCascadePlanTest, OtherFitsAndGravitiesNeedTheWholeResize) {
    for (const VariantSpec& v : {box(400, 400, Fit::kCover, Gravity::kAttention),
                                 box(400, 400, Fit::kContain), box(400, 400, Fit::kInside)}) {
        const VariantPlan plan = plan_variant({2725, 2225}, v);
        const Window w = stored_window(plan, v, 1);
        EXPECT_EQ(w.x, 0);
        EXPECT_EQ(w.y, 0);
        EXPECT_EQ(w.width, plan.resize.width);
        EXPECT_EQ(w.height, plan.resize.height);
    }
}

}  // namespace
}  // namespace imgpipe::imaging::vips_impl
