#pragma once
// Flatten step: for output formats without alpha (JPEG), composites the image onto the
// variant's background (white by default) and drops the alpha band. Throws vips::VError.
// Thread-safe.

#include <vips/vips8>

#include "imaging/resize_spec.h"

namespace imgpipe::imaging::vips_impl {

vips::VImage flatten_for_format(const vips::VImage& image, const VariantSpec& variant);

}  // namespace imgpipe::imaging::vips_impl
