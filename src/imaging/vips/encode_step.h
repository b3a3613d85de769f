#pragma once
// Encode step: writes one variant in its output format with its quality, stripping every piece
// of metadata (EXIF with GPS, XMP, IPTC, ICC, comments). Throws vips::VError. Thread-safe.

#include <string>
#include <string_view>
#include <vips/vips8>

#include "imaging/resize_spec.h"

namespace imgpipe::imaging::vips_impl {

std::string encode(const vips::VImage& image, const VariantSpec& variant);

// Removes the EXIF, XMP and ICC chunks (and their VP8X flags) from a WebP file; returns the
// input unchanged if it is not a well-formed RIFF/WEBP file.
std::string strip_webp_metadata(std::string_view webp);

}  // namespace imgpipe::imaging::vips_impl
