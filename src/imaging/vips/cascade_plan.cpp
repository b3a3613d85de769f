#include "imaging/vips/cascade_plan.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace imgpipe::imaging::vips_impl {
namespace {

// One axis of the upright window, mapped to a stored axis that may run the other way.
void flip_axis(int full, int& offset, int length, bool flipped) {
    if (flipped) offset = full - (offset + length);
}

int64_t area(const Window& w) { return static_cast<int64_t>(w.full.width) * w.full.height; }

}  // namespace

Window stored_window(const VariantPlan& plan, const VariantSpec& variant, int orientation) {
    const Size r = plan.resize;
    const Size o = plan.output;
    Window w{.full = r, .x = 0, .y = 0, .width = r.width, .height = r.height};
    if (variant.fit == Fit::kCover && variant.gravity == Gravity::kCentre && o.width <= r.width &&
        o.height <= r.height) {
        w = {.full = r,
             .x = (r.width - o.width) / 2,
             .y = (r.height - o.height) / 2,
             .width = o.width,
             .height = o.height};
    }
    // orient() turns the stored image upright: 2 mirrors x, 3 turns 180, 4 flips y, 5..8
    // transpose with x and/or y reversed (see orient_step.cpp).
    const bool flip_x =
        orientation == 2 || orientation == 3 || orientation == 6 || orientation == 7;
    const bool flip_y =
        orientation == 3 || orientation == 4 || orientation == 7 || orientation == 8;
    flip_axis(w.full.width, w.x, w.width, flip_x);
    flip_axis(w.full.height, w.y, w.height, flip_y);
    if (orientation >= 5) {
        w = {.full = {w.full.height, w.full.width},
             .x = w.y,
             .y = w.x,
             .width = w.height,
             .height = w.width};
    }
    return w;
}

std::vector<CascadeStep> plan_cascade(Size decoded, const std::vector<Window>& windows) {
    std::vector<size_t> order(windows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return area(windows[a]) > area(windows[b]); });

    struct Stage {
        AxisMap x;
        AxisMap y;
    };
    std::vector<Stage> stages;  // stages[i] is what steps[i] leaves, if it reduced
    std::vector<bool> reusable;
    const Stage whole{identity_axis(decoded.width), identity_axis(decoded.height)};

    std::vector<CascadeStep> steps;
    for (const size_t v : order) {
        const Window& w = windows[v];
        CascadeStep step{.variant = v, .window = w};
        int64_t best_area = 0;
        auto consider = [&](const Stage& stage, int source) {
            auto x = plan_axis(stage.x, decoded.width, w.full.width, w.x, w.width);
            auto y = plan_axis(stage.y, decoded.height, w.full.height, w.y, w.height);
            if (!x || !y) return;
            const int64_t a = static_cast<int64_t>(x->length) * y->length;
            if (step.x && a >= best_area) return;
            best_area = a;
            step.source = source;
            step.x = x;
            step.y = y;
        };
        consider(whole, -1);
        for (size_t i = 0; i < stages.size(); ++i) {
            if (reusable[i]) consider(stages[i], static_cast<int>(i));
        }
        reusable.push_back(step.x.has_value());
        stages.push_back(step.x ? Stage{step.x->reduced, step.y->reduced} : whole);
        if (step.source >= 0) steps[static_cast<size_t>(step.source)].feeds_later = true;
        steps.push_back(step);
    }
    return steps;
}

std::vector<std::vector<size_t>> chains_of(const std::vector<CascadeStep>& steps) {
    std::vector<std::vector<size_t>> chains;
    std::vector<size_t> chain_of(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].source < 0) {
            chain_of[i] = chains.size();
            chains.emplace_back();
        } else {
            chain_of[i] = chain_of[static_cast<size_t>(steps[i].source)];
        }
        chains[chain_of[i]].push_back(i);
    }
    return chains;
}

}  // namespace imgpipe::imaging::vips_impl
