#pragma once
// Resize step: the resampling of variants, in the decoded image's stored orientation (the caller
// orients the small result). reduce_window() makes a window of a variant from a stage (the
// decoded image or an earlier intermediate, see cascade_plan.h) with Lanczos3:
// lanczos3_reduce() for images without alpha, vips_reduce on premultiplied pixels (so edges do
// not darken) for those with. resize_whole() is the general path for enlarging and large
// shrinks. fit_to_plan() then crops (cover, at the variant's
// gravity) or letterboxes (contain, on the variant's background) the upright result to
// plan.output. Throw vips::VError. Thread-safe: inputs are only read, so several variants may
// be made from one image at once.

#include <vips/vips8>

#include "imaging/resize_spec.h"
#include "imaging/variant_geometry.h"
#include "imaging/vips/deadline_guard.h"
#include "imaging/vips/window_plan.h"

namespace imgpipe::imaging::vips_impl {

// The whole reduced range of `x` and `y` of `source` (8-bit, `out_length` pixels per axis).
// Without alpha, it is computed here, in memory (so `source` is best in memory too), and stops
// with a VError once `guard` expires; with alpha, it is lazy (watch it to bound it).
vips::VImage reduce_window(const vips::VImage& source, const AxisCut& x, const AxisCut& y,
                           const DeadlineGuard& guard);

// All of `decoded` scaled to exactly `full` with vips_resize and Lanczos3.
vips::VImage resize_whole(const vips::VImage& decoded, Size full);

// `resized` (upright; plan.resize, or already plan.output) cropped or letterboxed to
// plan.output.
vips::VImage fit_to_plan(const vips::VImage& resized, const VariantPlan& plan,
                         const VariantSpec& variant);

// The background as pixel values for an image with `bands` bands (grey or sRGB, with or
// without an opaque alpha).
std::vector<double> background_pixel(Rgb colour, int bands);

}  // namespace imgpipe::imaging::vips_impl
