#include "imaging/vips/jpeg_codec.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
// clang-format on

#include <csetjmp>
#include <cstdlib>

#include "imaging/imaging_errors.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {
namespace {

// Rows decoded between two deadline checks.
constexpr int kRowsPerCheck = 16;

// libjpeg reports a fatal error by calling error_exit, which must not return: it longjmps back
// to the setjmp of the libjpeg call in progress. Every function below that calls libjpeg sets
// that jump point itself and keeps only trivially destructible locals, so the jump never skips
// a C++ destructor.
struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
    auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, errors->message);
    std::longjmp(errors->jump, 1);
}

// Warnings (damaged data libjpeg decodes past) and traces: ignored, as libvips does by default.
void on_message(j_common_ptr, int) {}

void use_errors(ErrorManager& errors) {
    jpeg_std_error(&errors.pub);
    errors.pub.error_exit = on_error;
    errors.pub.emit_message = on_message;
    errors.message[0] = '\0';
}

struct Decompressor {
    jpeg_decompress_struct cinfo{};
    ErrorManager errors{};
    bool created = false;
    ~Decompressor() {
        if (created) jpeg_destroy_decompress(&cinfo);
    }
};

// Reads the header and starts decompressing at 1/shrink. False on a fatal error.
bool start(Decompressor& d, std::string_view jpeg, int shrink) {
    use_errors(d.errors);
    d.cinfo.err = &d.errors.pub;
    if (setjmp(d.errors.jump) != 0) return false;
    jpeg_create_decompress(&d.cinfo);
    d.created = true;
    jpeg_mem_src(&d.cinfo, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
    jpeg_read_header(&d.cinfo, TRUE);
    d.cinfo.scale_num = 1;
    d.cinfo.scale_denom = static_cast<unsigned>(shrink);
    d.cinfo.out_color_space = d.cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&d.cinfo);
    return true;
}

// Decodes up to `rows` more rows into the image rows from `out` on, `stride` bytes apart. False
// on a fatal error.
bool read_rows(Decompressor& d, VipsPel* out, size_t stride, int rows) {
    if (setjmp(d.errors.jump) != 0) return false;
    const JDIMENSION end = std::min<JDIMENSION>(
        d.cinfo.output_height, d.cinfo.output_scanline + static_cast<unsigned>(rows));
    while (d.cinfo.output_scanline < end) {
        JSAMPROW row = out + static_cast<size_t>(d.cinfo.output_scanline) * stride;
        jpeg_read_scanlines(&d.cinfo, &row, 1);
    }
    return true;
}

bool finish(Decompressor& d) {
    if (setjmp(d.errors.jump) != 0) return false;
    jpeg_finish_decompress(&d.cinfo);
    return true;
}

struct Compressor {
    jpeg_compress_struct cinfo{};
    ErrorManager errors{};
    unsigned char* buffer = nullptr;  // libjpeg's output, malloc'd by jpeg_mem_dest
    unsigned long length = 0;         // NOLINT(runtime/int): jpeg_mem_dest's type
    bool created = false;
    ~Compressor() {
        if (created) jpeg_destroy_compress(&cinfo);
        std::free(buffer);
    }
};

bool compress(Compressor& c, const PixelView& pixels, int quality, bool progressive) {
    use_errors(c.errors);
    c.cinfo.err = &c.errors.pub;
    if (setjmp(c.errors.jump) != 0) return false;
    jpeg_create_compress(&c.cinfo);
    c.created = true;
    jpeg_mem_dest(&c.cinfo, &c.buffer, &c.length);
    c.cinfo.image_width = static_cast<JDIMENSION>(pixels.width);
    c.cinfo.image_height = static_cast<JDIMENSION>(pixels.height);
    c.cinfo.input_components = pixels.bands;
    c.cinfo.in_color_space = pixels.bands == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c.cinfo);
    jpeg_set_quality(&c.cinfo, quality, TRUE);
    // libvips' default chroma subsampling ("auto"): 4:2:0, or none from quality 90.
    if (pixels.bands == 3 && quality >= 90) {
        for (int i = 0; i < c.cinfo.num_components; ++i) {
            c.cinfo.comp_info[i].h_samp_factor = 1;
            c.cinfo.comp_info[i].v_samp_factor = 1;
        }
    }
    if (progressive) jpeg_simple_progression(&c.cinfo);
    jpeg_start_compress(&c.cinfo, TRUE);
    while (c.cinfo.next_scanline < c.cinfo.image_height) {
        // libjpeg's API takes non-const rows; it only reads them.
        auto* row = const_cast<JSAMPLE*>(pixels.data + c.cinfo.next_scanline * pixels.stride);
        jpeg_write_scanlines(&c.cinfo, &row, 1);
    }
    jpeg_finish_compress(&c.cinfo);
    return true;
}

}  // namespace

Result<vips::VImage> decode_jpeg(std::string_view jpeg, int shrink, const DeadlineGuard& guard) {
    Decompressor d;
    if (!start(d, jpeg, shrink)) return decode_failure(d.errors.message);
    const int width = static_cast<int>(d.cinfo.output_width);
    const int height = static_cast<int>(d.cinfo.output_height);
    const int bands = d.cinfo.output_components;
    vips::VImage image = new_memory_image(
        width, height, bands, bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB);
    const size_t stride = VIPS_IMAGE_SIZEOF_LINE(image.get_image());
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
        IMGPIPE_RETURN_IF_ERROR(guard.check("the rest of the decode"));
        if (!read_rows(d, VIPS_IMAGE_ADDR(image.get_image(), 0, 0), stride, kRowsPerCheck)) {
            return decode_failure(d.errors.message);
        }
    }
    if (!finish(d)) return decode_failure(d.errors.message);
    // libjpeg rounds a scaled side up, libvips down (it drops the partial last pixel).
    const int floor_width = static_cast<int>(d.cinfo.image_width) / shrink;
    const int floor_height = static_cast<int>(d.cinfo.image_height) / shrink;
    if (floor_width >= 1 && floor_height >= 1 && (floor_width < width || floor_height < height)) {
        return image.crop(0, 0, floor_width, floor_height);
    }
    return image;
}

Result<std::string> encode_jpeg(const PixelView& pixels, int quality, bool progressive) {
    Compressor c;
    if (!compress(c, pixels, quality, progressive)) {
        return internal_error(std::string("cannot encode JPEG: ") + c.errors.message);
    }
    return std::string(reinterpret_cast<const char*>(c.buffer), c.length);
}

}  // namespace imgpipe::imaging::vips_impl
