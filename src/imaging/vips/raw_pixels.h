#pragma once
// Raw pixels: the bridge between libvips images and the code that works on 8-bit pixels
// directly (lanczos3_reduce, the JPEG codec). RegionPixels views rectangles of an image, one at
// a time, as a PixelView: the pixels are computed in the calling thread through one VipsRegion,
// without libvips' thread pool, and for an image in memory, or a crop of one, the view points
// into its buffer and nothing is copied. new_memory_image() makes an image whose buffer such code
// then fills in. Not thread-safe; one per thread.

#include <memory>
#include <vips/vips8>

#include "imaging/vips/pixel_view.h"

namespace imgpipe::imaging::vips_impl {

class RegionPixels {
  public:
    // REQUIRES: `image` 8-bit; `image` outlives this. Throws vips::VError.
    explicit RegionPixels(const vips::VImage& image);

    // The pixels of `area`, valid until the next prepare() or the end of this object. Throws
    // vips::VError when they cannot be computed or `area` is not within the image.
    PixelView prepare(VipsRect area);

  private:
    struct Unref {
        void operator()(VipsRegion* region) const { g_object_unref(region); }
    };
    const vips::VImage& image_;
    std::unique_ptr<VipsRegion, Unref> region_;
};

// Whether the pixels of `image` sit in a memory buffer rather than being computed on demand.
bool in_memory(const vips::VImage& image);

// A width x height 8-bit image of `bands` bands in memory, its pixels to be written at
// VIPS_IMAGE_ADDR (rows of VIPS_IMAGE_SIZEOF_LINE bytes). Throws vips::VError.
vips::VImage new_memory_image(int width, int height, int bands, VipsInterpretation interpretation);

}  // namespace imgpipe::imaging::vips_impl
