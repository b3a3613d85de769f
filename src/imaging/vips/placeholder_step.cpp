#include "imaging/vips/placeholder_step.h"

#include <algorithm>
#include <span>
#include <vector>

#include "imaging/vips/orient_step.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {
namespace {

constexpr int kMaxSide = 100;

// RGBA from 8-bit grey, grey + alpha, RGB or RGBA pixels (`view.bands` of them).
std::vector<uint8_t> to_rgba(const PixelView& view) {
    std::vector<uint8_t> rgba;
    rgba.reserve(static_cast<size_t>(view.width) * static_cast<size_t>(view.height) * 4);
    const bool grey = view.bands <= 2;
    const bool alpha = view.bands == 2 || view.bands == 4;
    for (int y = 0; y < view.height; ++y) {
        const uint8_t* p = view.data + view.stride * y;
        for (int x = 0; x < view.width; ++x, p += view.bands) {
            rgba.push_back(p[0]);
            rgba.push_back(grey ? p[0] : p[1]);
            rgba.push_back(grey ? p[0] : p[2]);
            rgba.push_back(alpha ? p[view.bands - 1] : 255);
        }
    }
    return rgba;
}

}  // namespace

Placeholder placeholder_of(const vips::VImage& decoded, int orientation) {
    // The reference encoder takes at most 100x100: more detail than its ~25 bytes keep anyway.
    // Box-averaged by a whole factor (vips_shrink): the hash keeps only a few low-frequency
    // terms, which a box filter keeps as well as Lanczos does. libvips 8.14's thumbnail_image
    // (its plain-C Lanczos reduce) took a fifth of the CPU time of a 2725x2225 photo's job.
    // At least one pixel each way: a 10000x50 strip becomes 100x1, as a thumbnail would. With
    // alpha, averaged premultiplied (as thumbnail_image did), so the colour of transparent
    // pixels does not bleed into their opaque neighbours.
    const int w = decoded.width();
    const int h = decoded.height();
    const int factor = (std::max(w, h) + kMaxSide - 1) / kMaxSide;
    vips::VImage x = decoded;
    if (factor > 1) {
        const bool alpha = x.has_alpha();
        if (alpha) x = x.premultiply();
        x = x.shrink(std::min(factor, w), std::min(factor, h));
        if (alpha) x = x.unpremultiply();
    }
    x = orient(x, orientation);
    if (x.format() != VIPS_FORMAT_UCHAR) x = x.cast(VIPS_FORMAT_UCHAR);
    if (x.bands() < 1 || x.bands() > 4) throw vips::VError("placeholder: not grey or RGB");
    // Computed in this thread, and made RGBA here rather than by libvips operations: a sink
    // (write_to_memory, or an operation that copies its input to memory) hands the work to
    // libvips' thread pool and waits, and the jobs of one process share that pool, so under
    // load a job sat holding its CPU slot while the pool served another job.
    RegionPixels pixels(x);
    const PixelView view = pixels.prepare({0, 0, x.width(), x.height()});
    return make_placeholder(view.width, view.height, to_rgba(view));
}

}  // namespace imgpipe::imaging::vips_impl
