#pragma once
// Cascade plan: decides, before any pixel is touched, what each variant of a job is resampled
// from. Work happens in the decoded image's stored orientation (EXIF orientation is applied to
// each small result, not to the large decode). A variant needs a window of its resized image —
// just the crop for cover at the centre, the whole resized image otherwise — and takes it from
// the smallest earlier intermediate that holds that window plus kernel margin at a finer scale,
// else from the decoded image. Larger variants go first so smaller ones can cascade from them.
// Pure arithmetic (no libvips); thread-safe.

#include <optional>
#include <vector>

#include "imaging/resize_spec.h"
#include "imaging/variant_geometry.h"
#include "imaging/vips/window_plan.h"

namespace imgpipe::imaging::vips_impl {

// The part of a variant's resized image that is resampled, in stored orientation: pixels
// [x, x + width) x [y, y + height) of the decoded image scaled to `full`.
struct Window {
    Size full;
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

// The window of `plan` (made for `variant` from an image with EXIF `orientation`) in stored
// orientation. Cover at the centre needs only its crop; other fits and gravities need it all.
Window stored_window(const VariantPlan& plan, const VariantSpec& variant, int orientation);

struct CascadeStep {
    size_t variant = 0;  // index into the spec's variants
    Window window;
    // Index into the steps of the intermediate to reduce from; -1 for the decoded image.
    int source = -1;
    // The reduce of the source, per axis; nullopt when it needs enlarging or a large shrink:
    // then the whole decoded image is resized (vips_resize) and the window cropped from it.
    std::optional<AxisCut> x;
    std::optional<AxisCut> y;
    bool feeds_later = false;  // a later step reduces from what this one leaves
};

// One step per variant, in the order to make them (every source precedes its users).
// REQUIRES: decoded sides >= 1; windows as from stored_window() for that decoded image.
std::vector<CascadeStep> plan_cascade(Size decoded, const std::vector<Window>& windows);

// The steps (indices) grouped into independent chains: each step reading the decoded image
// starts one, and every step cascading from it joins it, in plan order. Chains may run in
// parallel; steps within one must run in order.
std::vector<std::vector<size_t>> chains_of(const std::vector<CascadeStep>& steps);

}  // namespace imgpipe::imaging::vips_impl
