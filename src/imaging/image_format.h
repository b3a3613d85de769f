#pragma once
// ImageFormat: the image file formats imgpipe reads and writes, with their wire names and MIME
// types. Pure value helpers; thread-safe.

#include <optional>
#include <string_view>

namespace imgpipe::imaging {

enum class ImageFormat {
    kJpeg,
    kPng,
    kWebp,
    kAvif,
    kGif,
    kTiff,
    kHeif,
};

// "jpeg", "png", "webp", "avif", "gif", "tiff", "heif".
std::string_view format_name(ImageFormat format);
// "image/jpeg", ...
std::string_view content_type(ImageFormat format);
// ".jpg", ".png", ...
std::string_view file_extension(ImageFormat format);
// True for the formats a variant may be encoded to: JPEG, PNG, WebP, AVIF, GIF.
bool is_output_format(ImageFormat format);
// Parses an output format name, case-insensitive ("jpeg" or "jpg", "png", "webp", "avif", "gif");
// nullopt for anything else.
std::optional<ImageFormat> parse_output_format(std::string_view name);

}  // namespace imgpipe::imaging
