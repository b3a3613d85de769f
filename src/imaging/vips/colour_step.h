#pragma once
// Colour step: converts whatever was decoded to 8-bit sRGB (or 8-bit greyscale for grey input),
// keeping alpha: embedded ICC profiles are applied (so P3, ProPhoto and CMYK look right),
// CMYK without a profile goes through libvips' built-in CMYK profile, 16-bit and float are
// reduced to 8-bit, other spaces (CIELAB, ...) converted. Throws vips::VError. Thread-safe.

#include <vips/vips8>

namespace imgpipe::imaging::vips_impl {

vips::VImage to_srgb8(const vips::VImage& image);

}  // namespace imgpipe::imaging::vips_impl
