#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {

RegionPixels::RegionPixels(const vips::VImage& image)
    : image_(image), region_(vips_region_new(image.get_image())) {
    if (!region_) throw vips::VError();
}

PixelView RegionPixels::prepare(VipsRect area) {
    // vips_region_prepare clips the area to the image silently; the view must not claim more.
    if (area.left < 0 || area.top < 0 || area.width < 1 || area.height < 1 ||
        area.left + area.width > image_.width() || area.top + area.height > image_.height()) {
        throw vips::VError("RegionPixels: area outside the image");
    }
    if (vips_region_prepare(region_.get(), &area) != 0) throw vips::VError();
    return {.data = VIPS_REGION_ADDR(region_.get(), area.left, area.top),
            .width = area.width,
            .height = area.height,
            .bands = image_.bands(),
            .stride = static_cast<std::ptrdiff_t>(VIPS_REGION_LSKIP(region_.get()))};
}

bool in_memory(const vips::VImage& image) {
    const VipsImageType type = image.get_image()->dtype;
    return type == VIPS_IMAGE_SETBUF || type == VIPS_IMAGE_SETBUF_FOREIGN;
}

vips::VImage new_memory_image(int width, int height, int bands, VipsInterpretation interpretation) {
    vips::VImage image(vips_image_new_memory());
    VipsImage* im = image.get_image();
    vips_image_init_fields(im, width, height, bands, VIPS_FORMAT_UCHAR, VIPS_CODING_NONE,
                           interpretation, 1.0, 1.0);
    // Marked as libvips marks what its sequential loaders produce (and so every image the libvips
    // path decodes): operations reading it then cache the lines they reuse. Without the mark,
    // vips_resize feeding a smart crop recomputes them, ten times slower.
    vips_image_set_int(im, VIPS_META_SEQUENTIAL, 1);
    if (vips_image_write_prepare(im) != 0) throw vips::VError();
    return image;
}

}  // namespace imgpipe::imaging::vips_impl
