#pragma once
// Placeholder step: the ThumbHash and dominant colour (imaging/placeholder.h) of the image the
// job already decoded — box-averaged to fit 100x100, turned upright, as RGBA — so the placeholder
// costs no second decode. Throws vips::VError. Thread-safe (no shared state).

#include <vips/vips8>

#include "imaging/placeholder.h"

namespace imgpipe::imaging::vips_impl {

// REQUIRES: `decoded` is 8-bit sRGB or grey, with or without alpha, as stored (`orientation`
// not yet applied).
Placeholder placeholder_of(const vips::VImage& decoded, int orientation);

}  // namespace imgpipe::imaging::vips_impl
