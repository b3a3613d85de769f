#pragma once
// PixelView: read-only interleaved 8-bit pixels, the currency of the code that works on pixels
// itself (lanczos3_reduce, jpeg_codec) and of RegionPixels, which makes views of libvips images.
// No libvips here.

#include <cstddef>
#include <cstdint>

namespace imgpipe::imaging::vips_impl {

// Row y starts at data + y * stride.
struct PixelView {
    const uint8_t* data = nullptr;
    int width = 0;
    int height = 0;
    int bands = 0;
    std::ptrdiff_t stride = 0;  // bytes
};

}  // namespace imgpipe::imaging::vips_impl
