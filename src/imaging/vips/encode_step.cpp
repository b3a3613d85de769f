#include "imaging/vips/encode_step.h"

#include <cstdint>

#include "imaging/vips/jpeg_codec.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {
namespace {

// AVIF encoding is by far the slowest step; effort 2 keeps a 400x400 variant in tens of
// milliseconds at a small size cost.
constexpr int kAvifEffort = 2;

// Every metadata item on a private copy of the header is removed before saving: savers'
// `strip` is not enough on its own (libvips 8.14's webpsave still writes EXIF and XMP).
vips::VImage without_metadata(const vips::VImage& image) {
    vips::VImage clean = image.copy();
    gchar** fields = vips_image_get_fields(clean.get_image());
    for (gchar** field = fields; *field != nullptr; ++field) {
        // Built-in header fields (width, bands, ...) are not removable and stay.
        clean.remove(*field);
    }
    g_strfreev(fields);
    return clean;
}

uint32_t read_le32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

void write_le32(char* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::string strip_webp_metadata(std::string_view webp) {
    if (webp.size() < 12 || webp.substr(0, 4) != "RIFF" || webp.substr(8, 4) != "WEBP") {
        return std::string(webp);
    }
    // VP8X flag bits announcing the chunks removed below.
    constexpr unsigned char kIccFlag = 0x20;
    constexpr unsigned char kExifFlag = 0x08;
    constexpr unsigned char kXmpFlag = 0x04;
    std::string out(webp.substr(0, 12));
    size_t pos = 12;
    while (pos + 8 <= webp.size()) {
        const std::string_view fourcc = webp.substr(pos, 4);
        const size_t length = read_le32(webp.data() + pos + 4);
        const size_t padded = length + (length & 1);
        if (padded > webp.size() - pos - 8) return std::string(webp);  // malformed: leave it
        if (fourcc != "EXIF" && fourcc != "XMP " && fourcc != "ICCP") {
            const size_t at = out.size();
            out.append(webp.substr(pos, 8 + padded));
            if (fourcc == "VP8X" && length >= 1) {
                out[at + 8] = static_cast<char>(static_cast<unsigned char>(out[at + 8]) &
                                                ~(kIccFlag | kExifFlag | kXmpFlag));
            }
        }
        pos += 8 + padded;
    }
    write_le32(out.data() + 4, static_cast<uint32_t>(out.size() - 8));
    return out;
}

std::string encode(const vips::VImage& input, const VariantSpec& variant,
                   const DeadlineGuard& guard, const Timing* animation) {
    if (variant.format == ImageFormat::kJpeg && input.format() == VIPS_FORMAT_UCHAR &&
        (input.bands() == 1 || input.bands() == 3)) {
        RegionPixels pixels(input);
        auto rows = [&](int y, int count) -> Result<PixelView> {
            return pixels.prepare({0, y, input.width(), count});
        };
        Result<std::string> jpeg = encode_jpeg(input.width(), input.height(), input.bands(),
                                               variant.quality, variant.progressive, rows, guard);
        if (!jpeg.is_ok()) throw vips::VError(jpeg.status().message());
        return std::move(jpeg).value();
    }
    vips::VImage image = without_metadata(input);
    if (animation != nullptr) {
        image.set("page-height", animation->page_height);
        image.set("delay", animation->delays);
        image.set("loop", animation->loop);
    }
    auto options = vips::VImage::option()->set("strip", true);
    VipsBlob* blob = nullptr;
    switch (variant.format) {
        case ImageFormat::kJpeg:
            blob = image.jpegsave_buffer(
                options->set("Q", variant.quality)->set("interlace", variant.progressive));
            break;
        case ImageFormat::kPng:
            blob = image.pngsave_buffer(
                options->set("compression", 6)->set("interlace", variant.progressive));
            break;
        case ImageFormat::kWebp:
            blob = image.webpsave_buffer(options->set("Q", variant.quality));
            break;
        case ImageFormat::kGif:
            blob = image.gifsave_buffer(options);
            break;
        case ImageFormat::kAvif:
            blob = image.heifsave_buffer(options->set("Q", variant.quality)
                                             ->set("compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1)
                                             ->set("bitdepth", 8)
                                             ->set("effort", kAvifEffort));
            break;
        default:
            throw vips::VError("encode: not an output format");
    }
    size_t length = 0;
    const auto* data = static_cast<const char*>(vips_blob_get(blob, &length));
    std::string bytes(data, length);
    vips_area_unref(VIPS_AREA(blob));
    // libvips 8.14's webpsave writes a fresh EXIF block (resolution, orientation) even with
    // `strip`; outputs must carry no metadata at all.
    if (variant.format == ImageFormat::kWebp) bytes = strip_webp_metadata(bytes);
    return bytes;
}

}  // namespace imgpipe::imaging::vips_impl
