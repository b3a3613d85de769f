#pragma once
// Resize step: makes one variant's pixels from the decoded, upright, 8-bit image: scales it to
// plan.resize with Lanczos3 (premultiplying alpha so edges do not darken), then crops (cover,
// at the variant's gravity) or letterboxes (contain, on the variant's background) to
// plan.output. The result has exactly plan.output's size. Throws vips::VError. Thread-safe:
// `decoded` is only read, so several variants may be made from it at once.

#include <vips/vips8>

#include "imaging/resize_spec.h"
#include "imaging/variant_geometry.h"

namespace imgpipe::imaging::vips_impl {

vips::VImage resize_to_plan(const vips::VImage& decoded, const VariantPlan& plan,
                            const VariantSpec& variant);

// The background as pixel values for an image with `bands` bands (grey or sRGB, with or
// without an opaque alpha).
std::vector<double> background_pixel(Rgb colour, int bands);

}  // namespace imgpipe::imaging::vips_impl
