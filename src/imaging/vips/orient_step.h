#pragma once
// Orient step: applies the EXIF orientation (1..8) the probe reported, so outputs are upright.
// HEIF is reported as 1 (libheif already applied irot/imir), so nothing rotates twice. Throws
// vips::VError. Thread-safe.

#include <vips/vips8>

namespace imgpipe::imaging::vips_impl {

// Returns `image` turned upright for `orientation`, with the orientation tag removed.
vips::VImage orient(const vips::VImage& image, int orientation);

}  // namespace imgpipe::imaging::vips_impl
