#include "imaging/vips/resize_step.h"

#include "imaging/vips/lanczos_reduce.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {
namespace {

// reduce_window() of an 8-bit image without alpha, by lanczos3_reduce().
vips::VImage fast_reduce(const vips::VImage& source, const AxisCut& x, const AxisCut& y,
                         const DeadlineGuard& guard) {
    RegionPixels pixels(source);
    const PixelView window = pixels.prepare({x.start, y.start, x.length, y.length});
    vips::VImage out =
        new_memory_image(x.out_length, y.out_length, source.bands(), source.interpretation());
    if (!lanczos3_reduce(window, x.shrink, y.shrink, VIPS_IMAGE_ADDR(out.get_image(), 0, 0),
                         x.out_length, y.out_length, [&guard] { return guard.expired(); })) {
        throw vips::VError("deadline passed while reducing");
    }
    return out;
}

vips::VImage to_uchar(const vips::VImage& in) {
    return in.format() == VIPS_FORMAT_UCHAR ? in : in.cast(VIPS_FORMAT_UCHAR);
}

vips::VImage scale(const vips::VImage& in, Size target) {
    if (in.width() == target.width && in.height() == target.height) return in;
    const double hscale = static_cast<double>(target.width) / in.width();
    const double vscale = static_cast<double>(target.height) / in.height();
    const bool alpha = in.has_alpha();
    vips::VImage x = alpha ? in.premultiply() : in;
    x = x.resize(
        hscale, vips::VImage::option()->set("vscale", vscale)->set("kernel", VIPS_KERNEL_LANCZOS3));
    if (alpha) x = x.unpremultiply();
    x = to_uchar(x);
    // vips_resize rounds its output size; pin it to the planned size exactly (at most a pixel
    // of difference, filled by repeating the edge).
    if (x.width() != target.width || x.height() != target.height) {
        x = x.embed(0, 0, std::max(x.width(), target.width), std::max(x.height(), target.height),
                    vips::VImage::option()->set("extend", VIPS_EXTEND_COPY))
                .crop(0, 0, target.width, target.height);
    }
    return x;
}

VipsInteresting interesting(Gravity gravity) {
    switch (gravity) {
        case Gravity::kAttention:
            return VIPS_INTERESTING_ATTENTION;
        case Gravity::kEntropy:
            return VIPS_INTERESTING_ENTROPY;
        case Gravity::kCentre:
            break;
    }
    return VIPS_INTERESTING_CENTRE;
}

}  // namespace

std::vector<double> background_pixel(Rgb colour, int bands) {
    std::vector<double> pixel;
    if (bands <= 2) {
        // Rec. 601 luma, as libvips converts sRGB to greyscale.
        pixel.push_back(0.299 * colour.r + 0.587 * colour.g + 0.114 * colour.b);
    } else {
        pixel = {static_cast<double>(colour.r), static_cast<double>(colour.g),
                 static_cast<double>(colour.b)};
    }
    if (bands == 2 || bands == 4) pixel.push_back(255.0);
    return pixel;
}

vips::VImage resize_whole(const vips::VImage& decoded, Size full) { return scale(decoded, full); }

vips::VImage reduce_window(const vips::VImage& source, const AxisCut& x, const AxisCut& y,
                           const DeadlineGuard& guard) {
    const bool alpha = source.has_alpha();
    if ((x.shrink != 1.0 || y.shrink != 1.0) && !alpha && source.format() == VIPS_FORMAT_UCHAR &&
        (source.bands() == 1 || source.bands() == 3)) {
        return fast_reduce(source, x, y, guard);
    }
    vips::VImage in = source;
    if (x.start != 0 || y.start != 0 || x.length != in.width() || y.length != in.height()) {
        in = in.crop(x.start, y.start, x.length, y.length);
    }
    if (x.shrink == 1.0 && y.shrink == 1.0) return in;
    // vips_reduce without `gap` (one Lanczos3 pass per axis, as lanczos3_reduce samples).
    if (alpha) in = in.premultiply();
    vips::VImage out =
        in.reduce(x.shrink, y.shrink, vips::VImage::option()->set("kernel", VIPS_KERNEL_LANCZOS3));
    if (alpha) out = out.unpremultiply();
    return to_uchar(out);
}

vips::VImage fit_to_plan(const vips::VImage& x, const VariantPlan& plan,
                         const VariantSpec& variant) {
    const Size out = plan.output;
    if (x.width() == out.width && x.height() == out.height) return x;
    if (out.width <= x.width() && out.height <= x.height()) {
        if (variant.gravity == Gravity::kCentre) {
            return x.crop((x.width() - out.width) / 2, (x.height() - out.height) / 2, out.width,
                          out.height);
        }
        return x.smartcrop(
            out.width, out.height,
            vips::VImage::option()->set("interesting", interesting(variant.gravity)));
    }
    // contain: centre the scaled image on the background.
    return x.embed((out.width - x.width()) / 2, (out.height - x.height()) / 2, out.width,
                   out.height,
                   vips::VImage::option()
                       ->set("extend", VIPS_EXTEND_BACKGROUND)
                       ->set("background", background_pixel(variant.background, x.bands())));
}

}  // namespace imgpipe::imaging::vips_impl
