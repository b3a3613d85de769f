#include "imaging/vips/flatten_step.h"

#include "imaging/vips/resize_step.h"

namespace imgpipe::imaging::vips_impl {

vips::VImage flatten_for_format(const vips::VImage& image, const VariantSpec& variant) {
    if (variant.format != ImageFormat::kJpeg || !image.has_alpha()) return image;
    vips::VImage flat = image.flatten(vips::VImage::option()->set(
        "background", background_pixel(variant.background, image.bands() - 1)));
    return flat.format() == VIPS_FORMAT_UCHAR ? flat : flat.cast(VIPS_FORMAT_UCHAR);
}

}  // namespace imgpipe::imaging::vips_impl
