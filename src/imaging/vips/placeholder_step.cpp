#include "imaging/vips/placeholder_step.h"

#include <memory>
#include <span>

#include "imaging/vips/orient_step.h"

namespace imgpipe::imaging::vips_impl {

Placeholder placeholder_of(const vips::VImage& decoded, int orientation) {
    // The reference encoder takes at most 100x100: more detail than its ~25 bytes keep anyway.
    vips::VImage x = decoded.thumbnail_image(100, vips::VImage::option()->set("height", 100));
    x = orient(x, orientation);
    if (x.bands() <= 2) x = x.colourspace(VIPS_INTERPRETATION_sRGB);
    if (x.bands() == 3) x = x.bandjoin_const({255});
    x = x.cast(VIPS_FORMAT_UCHAR);
    size_t size = 0;
    std::unique_ptr<void, decltype(&g_free)> pixels(x.write_to_memory(&size), &g_free);
    return make_placeholder(x.width(), x.height(),
                            std::span(static_cast<const uint8_t*>(pixels.get()), size));
}

}  // namespace imgpipe::imaging::vips_impl
