#include "imaging/image_format.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace imgpipe::imaging {

std::string_view format_name(ImageFormat format) {
    switch (format) {
        case ImageFormat::kJpeg:
            return "jpeg";
        case ImageFormat::kPng:
            return "png";
        case ImageFormat::kWebp:
            return "webp";
        case ImageFormat::kAvif:
            return "avif";
        case ImageFormat::kGif:
            return "gif";
        case ImageFormat::kTiff:
            return "tiff";
        case ImageFormat::kHeif:
            return "heif";
    }
    return "unknown";
}

std::string_view content_type(ImageFormat format) {
    switch (format) {
        case ImageFormat::kJpeg:
            return "image/jpeg";
        case ImageFormat::kPng:
            return "image/png";
        case ImageFormat::kWebp:
            return "image/webp";
        case ImageFormat::kAvif:
            return "image/avif";
        case ImageFormat::kGif:
            return "image/gif";
        case ImageFormat::kTiff:
            return "image/tiff";
        case ImageFormat::kHeif:
            return "image/heif";
    }
    return "application/octet-stream";
}

std::string_view file_extension(ImageFormat format) {
    switch (format) {
        case ImageFormat::kJpeg:
            return ".jpg";
        case ImageFormat::kPng:
            return ".png";
        case ImageFormat::kWebp:
            return ".webp";
        case ImageFormat::kAvif:
            return ".avif";
        case ImageFormat::kGif:
            return ".gif";
        case ImageFormat::kTiff:
            return ".tiff";
        case ImageFormat::kHeif:
            return ".heif";
    }
    return ".bin";
}

bool is_output_format(ImageFormat format) {
    return format == ImageFormat::kJpeg || format == ImageFormat::kPng ||
           format == ImageFormat::kWebp || format == ImageFormat::kAvif ||
           format == ImageFormat::kGif;
}

std::optional<ImageFormat> parse_output_format(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "jpeg" || lower == "jpg") return ImageFormat::kJpeg;
    if (lower == "png") return ImageFormat::kPng;
    if (lower == "webp") return ImageFormat::kWebp;
    if (lower == "avif") return ImageFormat::kAvif;
    if (lower == "gif") return ImageFormat::kGif;
    return std::nullopt;
}

}  // namespace imgpipe::imaging
