#pragma once
// Load step: identifies the input from its first bytes (only the loaders on imgpipe's allowlist
// may run), reads the header without decoding pixels, and starts the one decode of the job with
// the largest shrink-on-load the variants allow (JPEG `shrink`, WebP `scale`, HEIF's embedded
// `thumbnail` when it is big enough). Pixels are only produced when a later step pulls them.
// Functions here throw vips::VError for libvips failures; the processor turns them into Status.
// Thread-safe (no shared state).

#include <string>
#include <string_view>
#include <vips/vips8>

#include "core/result.h"
#include "imaging/image_processor.h"

namespace imgpipe::imaging::vips_impl {

// The encoded input: bytes in memory, or a file. The bytes must outlive every image made from
// them (libvips reads the buffer in place).
struct ImageInput {
    std::string_view bytes;
    std::string path;  // non-empty: read from this file instead
};

struct OpenedImage {
    ImageInfo info;
    std::string loader;  // libvips loader class, e.g. "VipsForeignLoadJpegBuffer"
    // An 8-bit JPEG in YCbCr, RGB or grey with no ICC profile: decode_jpeg() (jpeg_codec.h)
    // decodes it to what libvips would, with no colour management needed.
    bool direct_jpeg = false;
};

// UnsupportedFormat when no allowed loader recognises the input, CorruptImage when the header
// does not parse, kNotFound when the file is missing.
Result<OpenedImage> open_header(const ImageInput& input);

// The bytes of `input`, read from its file when it names one (kNotFound, kInternal on failure).
Result<std::string> read_input_file(const std::string& path);

// ImageTooLarge when the header exceeds `limits`.
Status check_limits(const ImageInfo& info, const Limits& limits);

// The block shrink-on-load (1, 2, 4 or 8) for a JPEG whose decode, once upright, must still
// cover `upright_floor` (see decode_floor()).
int jpeg_shrink(const ImageInfo& info, Size upright_floor);

// Starts decoding the first page so that the decoded image, once upright, still covers
// `upright_floor` (see decode_floor()). Throws vips::VError.
// The result is lazy: pixels are decoded when pulled. With `all_pages` (a GIF or WebP
// animation), every frame is decoded, one under the other ("page-height" tells a frame's
// height; "delay" and "loop" come along). REQUIRES: all_pages only for GIF and WebP.
vips::VImage start_decode(const ImageInput& input, const OpenedImage& opened, Size upright_floor,
                          bool all_pages = false);

}  // namespace imgpipe::imaging::vips_impl
