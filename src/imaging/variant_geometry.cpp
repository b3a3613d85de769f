#include "imaging/variant_geometry.h"

#include <algorithm>
#include <cmath>

namespace imgpipe::imaging {
namespace {

int scaled(int side, double scale) {
    return std::max(1, static_cast<int>(std::lround(side * scale)));
}

}  // namespace

VariantPlan plan_variant(Size source, const VariantSpec& v) {
    const double sx = static_cast<double>(v.width) / source.width;
    const double sy = static_cast<double>(v.height) / source.height;
    auto cap = [&](double s) { return v.enlarge ? s : std::min(s, 1.0); };
    VariantPlan plan;
    switch (v.fit) {
        case Fit::kCover: {
            const double s = cap(std::max(sx, sy));
            plan.resize = {scaled(source.width, s), scaled(source.height, s)};
            plan.output = {std::min(v.width, plan.resize.width),
                           std::min(v.height, plan.resize.height)};
            break;
        }
        case Fit::kContain:
        case Fit::kInside: {
            const double s = cap(std::min(sx, sy));
            plan.resize = {scaled(source.width, s), scaled(source.height, s)};
            // Rounding must never push a side past the box.
            plan.resize.width = std::min(plan.resize.width, v.width);
            plan.resize.height = std::min(plan.resize.height, v.height);
            plan.output = v.fit == Fit::kContain ? Size{v.width, v.height} : plan.resize;
            break;
        }
        case Fit::kFill:
            plan.resize = {scaled(source.width, cap(sx)), scaled(source.height, cap(sy))};
            plan.output = plan.resize;
            break;
    }
    return plan;
}

Size decode_floor(Size source, const ResizeSpec& spec) {
    Size floor{1, 1};
    for (const auto& v : spec.variants) {
        const VariantPlan plan = plan_variant(source, v);
        floor.width = std::max(floor.width, plan.resize.width);
        floor.height = std::max(floor.height, plan.resize.height);
    }
    floor.width = std::min(floor.width, source.width);
    floor.height = std::min(floor.height, source.height);
    return floor;
}

int choose_block_shrink(Size source, Size floor, int max_shrink) {
    for (int shrink = 8; shrink > 1; shrink /= 2) {
        if (shrink <= max_shrink && source.width / shrink >= floor.width &&
            source.height / shrink >= floor.height) {
            return shrink;
        }
    }
    return 1;
}

double choose_scale(Size source, Size floor) {
    const double s = std::max(static_cast<double>(floor.width) / source.width,
                              static_cast<double>(floor.height) / source.height);
    return std::min(1.0, s);
}

}  // namespace imgpipe::imaging
