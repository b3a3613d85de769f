#pragma once
// Variant geometry: the pure arithmetic of fitting an image into a variant's box, and of choosing
// how far the decoder may shrink on load so that every variant is still made by downscaling.
// Defines the exact output dimensions every ImageProcessor must produce (tests check decoded
// outputs against it). No libvips here; thread-safe.

#include "imaging/resize_spec.h"

namespace imgpipe::imaging {

struct Size {
    int width = 0;
    int height = 0;
    friend bool operator==(const Size&, const Size&) = default;
};

struct VariantPlan {
    Size resize;  // the source is scaled to this size (aspect kept except for fill)...
    Size output;  // ...then cropped (cover) or letterboxed (contain) to this one
};

// REQUIRES: source sides >= 1 (the upright size, after EXIF orientation), variant validated.
//  cover:   scale = max(W/w, H/h), crop to min(box, scaled) per side
//  contain: scale = min(W/w, H/h), output is the whole box
//  inside:  scale = min(W/w, H/h), output is the scaled size
//  fill:    each side scaled to the box independently
// Unless `enlarge`, scales are capped at 1. Scaled sides are rounded, and at least 1.
VariantPlan plan_variant(Size source, const VariantSpec& variant);

// The smallest decoded size from which every variant can be made by downscaling: the
// per-side maximum of the variants' `resize` sizes, never more than the source.
Size decode_floor(Size source, const ResizeSpec& spec);

// The largest block shrink in {1, 2, 4, 8} (<= max_shrink) such that side / shrink, rounded
// down, still covers `floor` on both sides (libjpeg rounds the scaled size up, but libvips may
// drop a partial last block, so count only whole pixels).
int choose_block_shrink(Size source, Size floor, int max_shrink = 8);

// The smallest scale in (0, 1] whose rounded-up output covers `floor` on both sides (WebP's
// scaled decode).
double choose_scale(Size source, Size floor);

}  // namespace imgpipe::imaging
