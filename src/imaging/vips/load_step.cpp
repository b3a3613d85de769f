#include "imaging/vips/load_step.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "imaging/imaging_errors.h"
#include "imaging/variant_geometry.h"

namespace imgpipe::imaging::vips_impl {
namespace {

struct AllowedLoader {
    const char* class_prefix;  // libvips loader class, e.g. VipsForeignLoadJpegFile / ...Buffer
    ImageFormat format;
};

// Everything else libvips could open (SVG, PDF, JPEG 2000, FITS, Matlab, ImageMagick, ...) is
// refused before its parser runs: fewer parsers exposed to untrusted bytes.
constexpr std::array<AllowedLoader, 7> kAllowedLoaders = {{
    {"VipsForeignLoadJpeg", ImageFormat::kJpeg},
    {"VipsForeignLoadPng", ImageFormat::kPng},
    {"VipsForeignLoadWebp", ImageFormat::kWebp},
    {"VipsForeignLoadNsgif", ImageFormat::kGif},
    {"VipsForeignLoadGif", ImageFormat::kGif},
    {"VipsForeignLoadTiff", ImageFormat::kTiff},
    {"VipsForeignLoadHeif", ImageFormat::kHeif},
}};

const AllowedLoader* find_allowed(std::string_view loader) {
    for (const auto& allowed : kAllowedLoaders) {
        if (loader.rfind(allowed.class_prefix, 0) == 0) return &allowed;
    }
    return nullptr;
}

vips::VImage load(const ImageInput& input, vips::VOption* options) {
    if (!input.path.empty()) return vips::VImage::new_from_file(input.path.c_str(), options);
    return vips::VImage::new_from_buffer(input.bytes.data(), input.bytes.size(), "", options);
}

bool is_heif(const OpenedImage& opened) {
    return opened.info.format == ImageFormat::kHeif || opened.info.format == ImageFormat::kAvif;
}

int int_field(const vips::VImage& image, const char* field, int fallback) {
    if (image.get_typeof(field) == 0) return fallback;
    return image.get_int(field);
}

Size stored(Size upright, int orientation) {
    return orientation >= 5 ? Size{upright.height, upright.width} : upright;
}

}  // namespace

Result<OpenedImage> open_header(const ImageInput& input) {
    const char* loader = nullptr;
    if (!input.path.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(input.path, ec)) {
            return not_found("NoSuchFile", "no such image file: " + input.path);
        }
        loader = vips_foreign_find_load(input.path.c_str());
    } else {
        loader = vips_foreign_find_load_buffer(input.bytes.data(), input.bytes.size());
    }
    vips_error_clear();
    if (loader == nullptr) return unsupported_format("not a recognised image format");
    const AllowedLoader* allowed = find_allowed(loader);
    if (allowed == nullptr) {
        return unsupported_format(std::string("image format not accepted (libvips loader ") +
                                  loader + ")");
    }

    OpenedImage opened;
    opened.loader = loader;
    try {
        vips::VImage header =
            load(input, vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL));
        ImageInfo& info = opened.info;
        info.format = allowed->format;
        if (info.format == ImageFormat::kHeif && header.get_typeof("heif-compression") != 0 &&
            std::strcmp(header.get_string("heif-compression"), "av1") == 0) {
            info.format = ImageFormat::kAvif;
        }
        info.width = header.width();
        info.height = header.height();
        info.pages = std::max(1, int_field(header, "n-pages", 1));
        // libheif applies HEIF's own irot/imir while decoding (and libvips drops the EXIF
        // orientation for it), so applying EXIF orientation again would rotate twice.
        const int orientation = is_heif(opened) ? 1 : int_field(header, VIPS_META_ORIENTATION, 1);
        info.orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
        info.has_alpha = header.has_alpha();
        const VipsInterpretation space = header.interpretation();
        opened.direct_jpeg = info.format == ImageFormat::kJpeg &&
                             header.format() == VIPS_FORMAT_UCHAR &&
                             header.get_typeof(VIPS_META_ICC_NAME) == 0 &&
                             ((space == VIPS_INTERPRETATION_sRGB && header.bands() == 3) ||
                              (space == VIPS_INTERPRETATION_B_W && header.bands() == 1));
    } catch (const vips::VError& e) {
        // A valid file of a kind libjpeg cannot read (12-bit, lossless) is unsupported, not
        // corrupt, whether libvips finds that out from the header or while decoding.
        return decode_failure(std::string("the image header: ") + e.what());
    }
    if (opened.info.width < 1 || opened.info.height < 1) {
        return corrupt_image("the image header declares an empty image");
    }
    return opened;
}

Result<std::string> read_input_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return not_found("NoSuchFile", "cannot open image file: " + path);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return internal_error("cannot read image file: " + path);
    return bytes;
}

Status check_limits(const ImageInfo& info, const Limits& limits) {
    const int64_t pixels = static_cast<int64_t>(info.width) * info.height;
    if (pixels > limits.max_pixels) {
        return image_too_large("image is " + std::to_string(info.width) + "x" +
                               std::to_string(info.height) + " (" + std::to_string(pixels) +
                               " pixels), over the limit of " + std::to_string(limits.max_pixels));
    }
    if (info.pages > limits.max_pages) {
        return image_too_large("image has " + std::to_string(info.pages) +
                               " pages or frames, over the limit of " +
                               std::to_string(limits.max_pages));
    }
    return Status::ok();
}

int jpeg_shrink(const ImageInfo& info, Size upright_floor) {
    return choose_block_shrink({info.width, info.height}, stored(upright_floor, info.orientation));
}

vips::VImage start_decode(const ImageInput& input, const OpenedImage& opened, Size upright_floor,
                          bool all_pages) {
    const ImageInfo& info = opened.info;
    const Size source{info.width, info.height};
    const Size floor = stored(upright_floor, info.orientation);
    auto options = [all_pages] {
        vips::VOption* o = vips::VImage::option()->set("access", VIPS_ACCESS_SEQUENTIAL);
        return all_pages ? o->set("n", -1) : o;
    };
    switch (info.format) {
        case ImageFormat::kJpeg:
            return load(input, options()->set("shrink", jpeg_shrink(info, upright_floor)));
        case ImageFormat::kWebp: {
            const double scale = choose_scale(source, floor);
            return scale < 1.0 ? load(input, options()->set("scale", scale))
                               : load(input, options());
        }
        case ImageFormat::kHeif:
        case ImageFormat::kAvif: {
            // The embedded thumbnail is only used when it covers every variant.
            vips::VImage thumb = load(input, options()->set("thumbnail", true));
            const bool thumb_ok = thumb.width() < info.width && thumb.width() >= floor.width &&
                                  thumb.height() >= floor.height;
            return thumb_ok ? thumb : load(input, options());
        }
        default:
            return load(input, options());
    }
}

}  // namespace imgpipe::imaging::vips_impl
