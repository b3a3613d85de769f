#pragma once
// Lanczos3 reduce: the image engine's shrinking resampler for 8-bit pixels without alpha. It
// samples exactly where vips_reduce does (window_plan.h's convention: output pixel k of `length`
// pixels shrunk by `shrink` to `out` pixels is centred on input coordinate
// (k + 0.5) * shrink - 0.5 + (length - out * shrink) / 2, and pixels past an edge repeat the
// edge pixel), so the cascade's windows line up, but takes a half to a quarter of the time of
// libvips 8.14's plain-C reduce (the largest cost of a job after the decode). Libvips 8.15
// vectorised its own; Debian 12 ships 8.14.
//
// How: per-output-pixel float weights at exact positions (libvips rounds positions to 1/64
// pixel); a vertical pass that adds whole weighted rows (a loop the compiler vectorises, built
// for AVX2 and plain x86-64 alike, with identical results), then, in strips of rows, a transpose
// and the horizontal pass done the same way; rounding to 8 bits once at the end. No libvips here;
// pure function, thread-safe.

#include <cstdint>
#include <functional>

#include "imaging/vips/pixel_view.h"

namespace imgpipe::imaging::vips_impl {

// All of `in` shrunk by (xshrink, yshrink) into `out`: out_width x out_height pixels of
// in.bands bytes, in rows one after the other. `stop` is asked between strips of rows; when it
// says true the reduce ends there and returns false (`out` then only partly written).
// REQUIRES: in non-empty, bands >= 1; shrinks >= 1; out sizes >= 1 (libvips makes them
// length / shrink, rounded); `out` holds out_width * out_height * in.bands bytes.
bool lanczos3_reduce(const PixelView& in, double xshrink, double yshrink, uint8_t* out,
                     int out_width, int out_height, const std::function<bool()>& stop);

}  // namespace imgpipe::imaging::vips_impl
