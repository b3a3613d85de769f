#pragma once
// Encode step: writes one variant in its output format with its quality, stripping every piece
// of metadata (EXIF with GPS, XMP, IPTC, ICC, comments). 8-bit JPEG outputs go through
// jpeg_codec, computed and encoded a strip at a time in the calling thread, the deadline checked
// as rows are written; the other formats through libvips' savers (watch the image with the guard to
// bound those). With a Timing (animation_step.h), a GIF or WebP holds the frames of `image` (one
// under the other) and plays them with its delays and loop count: the only metadata written.
// Throws vips::VError. Thread-safe.

#include <string>
#include <string_view>
#include <vips/vips8>

#include "imaging/resize_spec.h"
#include "imaging/vips/animation_step.h"
#include "imaging/vips/deadline_guard.h"

namespace imgpipe::imaging::vips_impl {

std::string encode(const vips::VImage& image, const VariantSpec& variant,
                   const DeadlineGuard& guard, const Timing* animation = nullptr);

// Removes the EXIF, XMP and ICC chunks (and their VP8X flags) from a WebP file; returns the
// input unchanged if it is not a well-formed RIFF/WEBP file.
std::string strip_webp_metadata(std::string_view webp);

}  // namespace imgpipe::imaging::vips_impl
