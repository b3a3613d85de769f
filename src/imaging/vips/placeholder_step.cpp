#include "imaging/vips/placeholder_step.h"

#include <cstring>
#include <span>
#include <vector>

#include "imaging/vips/orient_step.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {

Placeholder placeholder_of(const vips::VImage& decoded, int orientation) {
    // The reference encoder takes at most 100x100: more detail than its ~25 bytes keep anyway.
    vips::VImage x = decoded.thumbnail_image(100, vips::VImage::option()->set("height", 100));
    x = orient(x, orientation);
    if (x.bands() <= 2) x = x.colourspace(VIPS_INTERPRETATION_sRGB);
    if (x.bands() == 3) x = x.bandjoin_const({255});
    x = x.cast(VIPS_FORMAT_UCHAR);
    // Computed in this thread: a sink (write_to_memory) hands the work to libvips' thread pool
    // and waits, and the jobs of one process share that pool, so under load a job sat holding
    // its CPU slot while the pool served the other job.
    RegionPixels pixels(x);
    const PixelView view = pixels.prepare({0, 0, x.width(), x.height()});
    const size_t row = static_cast<size_t>(view.width) * 4;
    std::vector<uint8_t> rgba(row * static_cast<size_t>(view.height));
    for (int y = 0; y < view.height; ++y) {
        std::memcpy(rgba.data() + row * static_cast<size_t>(y), view.data + view.stride * y, row);
    }
    return make_placeholder(view.width, view.height, rgba);
}

}  // namespace imgpipe::imaging::vips_impl
