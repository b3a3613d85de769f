#pragma once
// Encode step: writes one variant in its output format with its quality, stripping every piece
// of metadata (EXIF with GPS, XMP, IPTC, ICC, comments). Throws vips::VError. Thread-safe.

#include <string>

#include <vips/vips8>

#include "imaging/resize_spec.h"

namespace imgpipe::imaging::vips_impl {

std::string encode(const vips::VImage& image, const VariantSpec& variant);

}  // namespace imgpipe::imaging::vips_impl
