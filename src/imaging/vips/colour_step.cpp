#include "imaging/vips/colour_step.h"

namespace imgpipe::imaging::vips_impl {
namespace {

bool is_grey(VipsInterpretation interpretation) {
    return interpretation == VIPS_INTERPRETATION_B_W ||
           interpretation == VIPS_INTERPRETATION_GREY16;
}

vips::VImage icc_to_srgb(const vips::VImage& image, bool use_builtin_cmyk) {
    auto options = vips::VImage::option()
                       ->set("embedded", !use_builtin_cmyk)
                       ->set("intent", VIPS_INTENT_RELATIVE)
                       ->set("depth", 8);
    if (use_builtin_cmyk) options->set("input_profile", "cmyk");
    return image.icc_transform("srgb", options);
}

// 16-bit values scaled down, everything else clipped to 0..255.
vips::VImage to_uchar(const vips::VImage& image) {
    if (image.format() == VIPS_FORMAT_UCHAR) return image;
    if (image.format() == VIPS_FORMAT_USHORT) return (image / 257.0).cast(VIPS_FORMAT_UCHAR);
    return image.cast(VIPS_FORMAT_UCHAR);
}

// Keeps colour bands (3 or 1) plus one alpha band, dropping anything extra.
vips::VImage trim_bands(const vips::VImage& image, bool grey) {
    const int colour = grey ? 1 : 3;
    const int wanted = image.bands() > colour ? colour + 1 : colour;
    if (image.bands() > wanted)
        return image.extract_band(0, vips::VImage::option()->set("n", wanted));
    return image;
}

}  // namespace

vips::VImage to_srgb8(const vips::VImage& image) {
    vips::VImage in = image;
    if (in.coding() != VIPS_CODING_NONE) in = in.colourspace(VIPS_INTERPRETATION_sRGB);
    const VipsInterpretation interpretation = in.interpretation();
    const bool cmyk = interpretation == VIPS_INTERPRETATION_CMYK && in.bands() >= 4;
    bool grey = is_grey(interpretation) || (in.bands() <= 2 && !cmyk);

    vips::VImage out;
    bool converted = false;
    if (in.get_typeof(VIPS_META_ICC_NAME) != 0 || cmyk) {
        // A damaged or mismatched profile must not fail the job: fall back to the plain
        // conversion below.
        try {
            out = icc_to_srgb(in, in.get_typeof(VIPS_META_ICC_NAME) == 0);
            grey = out.bands() <= 2;
            converted = true;
        } catch (const vips::VError&) {
            vips_error_clear();
        }
    }
    if (!converted) {
        const VipsInterpretation target = grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
        if (in.format() == VIPS_FORMAT_USHORT && interpretation == target) {
            // 16-bit data labelled as 8-bit space: scale rather than clip.
            out = in;
        } else {
            try {
                out = in.colourspace(target);
            } catch (const vips::VError&) {
                // No conversion route (unusual multiband data): treat the first bands as
                // sRGB / grey as they are.
                vips_error_clear();
                out = in;
            }
        }
    }
    out = trim_bands(to_uchar(out), grey);
    return out.copy(vips::VImage::option()->set(
        "interpretation", grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB));
}

}  // namespace imgpipe::imaging::vips_impl
