#include "imaging/vips/jpeg_codec.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>
// clang-format on

#include <algorithm>
#include <array>
#include <csetjmp>
#include <new>

#include "imaging/imaging_errors.h"
#include "imaging/vips/raw_pixels.h"

namespace imgpipe::imaging::vips_impl {
namespace {

// Rows fetched and encoded at a time: only a strip of a large output is computed at once.
constexpr int kRowsPerStrip = 32;

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

// Ends the libjpeg call in progress from one of imgpipe's callbacks, through the same jump.
[[noreturn]] void abort_with(j_common_ptr cinfo, const char* message) {
    auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(errors->message, sizeof errors->message, "%s", message);
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

// libjpeg calls this as it works: decoding, per scan of a progressive file and per row group of
// output, so it bounds time even inside jpeg_start_decompress, which reads every scan of a
// progressive file before the first row; encoding, per row and per pass of
// jpeg_finish_compress, which does all of a progressive file's entropy coding. It ends the call
// through the error path when the deadline has passed, or when a file being decoded has more
// scans than any real encoder writes (a known way to make a tiny file cost minutes).
struct Progress {
    jpeg_progress_mgr pub;
    const DeadlineGuard* guard = nullptr;
    bool deadline_passed = false;
};

// libjpeg-turbo's TurboJPEG API suggests this scan limit for untrusted input.
constexpr int kMaxScans = 500;

void on_progress(j_common_ptr cinfo) {
    auto* progress = reinterpret_cast<Progress*>(cinfo->progress);
    if (progress->guard->expired()) {
        progress->deadline_passed = true;
        abort_with(cinfo, "deadline passed");
    }
    if (cinfo->is_decompressor &&
        reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxScans) {
        abort_with(cinfo, "too many scans");
    }
}

struct Decompressor {
    jpeg_decompress_struct cinfo{};
    ErrorManager errors{};
    Progress progress{};
    bool created = false;
    ~Decompressor() {
        if (created) jpeg_destroy_decompress(&cinfo);
    }
};

// Reads the header. False on a fatal error.
bool read_header(Decompressor& d, std::string_view jpeg) {
    use_errors(d.errors);
    d.cinfo.err = &d.errors.pub;
    if (setjmp(d.errors.jump) != 0) return false;
    jpeg_create_decompress(&d.cinfo);
    d.created = true;
    d.progress.pub.progress_monitor = on_progress;
    d.cinfo.progress = &d.progress.pub;
    jpeg_mem_src(&d.cinfo, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
    jpeg_read_header(&d.cinfo, TRUE);
    return true;
}

// Starts decompressing at 1/shrink (for a progressive file, this reads every scan). False on a
// fatal error.
bool start(Decompressor& d, int shrink) {
    if (setjmp(d.errors.jump) != 0) return false;
    d.cinfo.scale_num = 1;
    d.cinfo.scale_denom = static_cast<unsigned>(shrink);
    d.cinfo.out_color_space = d.cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&d.cinfo);
    return true;
}

// Decodes every row into the image rows from `out` on, `stride` bytes apart. False on a fatal
// error. It does not call jpeg_finish_decompress: that only reads what follows the last scan,
// where damage must not fail an image whose rows all decoded (libvips ignores it too);
// jpeg_destroy_decompress releases everything.
bool read_all(Decompressor& d, VipsPel* out, size_t stride) {
    if (setjmp(d.errors.jump) != 0) return false;
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
        JSAMPROW row = out + static_cast<size_t>(d.cinfo.output_scanline) * stride;
        jpeg_read_scanlines(&d.cinfo, &row, 1);
    }
    return true;
}

// The output goes to a string through a fixed chunk (libjpeg's own jpeg_mem_dest frees buffers
// it has replaced without telling its caller until the end, so an error midway would leave the
// caller holding a freed pointer).
struct Compressor {
    jpeg_compress_struct cinfo{};
    ErrorManager errors{};
    Progress progress{};
    jpeg_destination_mgr destination{};
    std::array<JOCTET, 64 * 1024> chunk{};
    std::string out;
    bool created = false;
    ~Compressor() {
        if (created) jpeg_destroy_compress(&cinfo);
    }
};

Compressor& compressor_of(j_compress_ptr cinfo) {
    return *static_cast<Compressor*>(cinfo->client_data);
}

void reset_chunk(j_compress_ptr cinfo) {
    Compressor& c = compressor_of(cinfo);
    c.destination.next_output_byte = c.chunk.data();
    c.destination.free_in_buffer = c.chunk.size();
}

// Appends the first `length` bytes of the chunk to the output; false if memory ran out.
bool keep(Compressor& c, size_t length) {
    try {
        c.out.append(reinterpret_cast<const char*>(c.chunk.data()), length);
        return true;
    } catch (const std::bad_alloc&) {
        return false;
    }
}

boolean on_chunk_full(j_compress_ptr cinfo) {
    if (!keep(compressor_of(cinfo), compressor_of(cinfo).chunk.size())) {
        abort_with(reinterpret_cast<j_common_ptr>(cinfo), "out of memory");
    }
    reset_chunk(cinfo);
    return TRUE;
}

void on_compress_end(j_compress_ptr cinfo) {
    Compressor& c = compressor_of(cinfo);
    if (!keep(c, c.chunk.size() - c.destination.free_in_buffer)) {
        abort_with(reinterpret_cast<j_common_ptr>(cinfo), "out of memory");
    }
}

bool start(Compressor& c, int width, int height, int bands, int quality, bool progressive) {
    use_errors(c.errors);
    c.cinfo.err = &c.errors.pub;
    if (setjmp(c.errors.jump) != 0) return false;
    jpeg_create_compress(&c.cinfo);
    c.created = true;
    c.progress.pub.progress_monitor = on_progress;
    c.cinfo.progress = &c.progress.pub;
    c.cinfo.client_data = &c;
    c.destination.init_destination = reset_chunk;
    c.destination.empty_output_buffer = on_chunk_full;
    c.destination.term_destination = on_compress_end;
    c.cinfo.dest = &c.destination;
    c.cinfo.image_width = static_cast<JDIMENSION>(width);
    c.cinfo.image_height = static_cast<JDIMENSION>(height);
    c.cinfo.input_components = bands;
    c.cinfo.in_color_space = bands == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c.cinfo);
    jpeg_set_quality(&c.cinfo, quality, TRUE);
    // libvips' default chroma subsampling ("auto"): 4:2:0, or none from quality 90.
    if (bands == 3 && quality >= 90) {
        for (int i = 0; i < c.cinfo.num_components; ++i) {
            c.cinfo.comp_info[i].h_samp_factor = 1;
            c.cinfo.comp_info[i].v_samp_factor = 1;
        }
    }
    if (progressive) jpeg_simple_progression(&c.cinfo);
    jpeg_start_compress(&c.cinfo, TRUE);
    return true;
}

bool write_rows(Compressor& c, const PixelView& rows) {
    if (setjmp(c.errors.jump) != 0) return false;
    for (int y = 0; y < rows.height; ++y) {
        // libjpeg's API takes non-const rows; it only reads them.
        auto* row = const_cast<JSAMPLE*>(rows.data + y * rows.stride);
        jpeg_write_scanlines(&c.cinfo, &row, 1);
    }
    return true;
}

bool finish(Compressor& c) {
    if (setjmp(c.errors.jump) != 0) return false;
    jpeg_finish_compress(&c.cinfo);
    return true;
}

}  // namespace

Result<vips::VImage> decode_jpeg(std::string_view jpeg, Size source, int shrink,
                                 const DeadlineGuard& guard) {
    Decompressor d;
    d.progress.guard = &guard;
    auto failure = [&d] {
        if (d.progress.deadline_passed) return deadline_exceeded(d.errors.message);
        return decode_failure(d.errors.message);
    };
    if (!read_header(d, jpeg)) return failure();
    // The header the limits were checked against, read again (from a file, it may have been
    // replaced since).
    if (static_cast<int>(d.cinfo.image_width) != source.width ||
        static_cast<int>(d.cinfo.image_height) != source.height) {
        return corrupt_image("the image changed while being read");
    }
    if (!start(d, shrink)) return failure();
    const int bands = d.cinfo.output_components;
    vips::VImage image = new_memory_image(
        static_cast<int>(d.cinfo.output_width), static_cast<int>(d.cinfo.output_height), bands,
        bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB);
    if (!read_all(d, VIPS_IMAGE_ADDR(image.get_image(), 0, 0),
                  VIPS_IMAGE_SIZEOF_LINE(image.get_image()))) {
        return failure();
    }
    // libjpeg rounds a scaled side up, libvips down (it drops the partial last pixel).
    const int width = std::max(1, source.width / shrink);
    const int height = std::max(1, source.height / shrink);
    if (width < image.width() || height < image.height()) return image.crop(0, 0, width, height);
    return image;
}

Result<std::string> encode_jpeg(int width, int height, int bands, int quality, bool progressive,
                                const RowSource& rows, const DeadlineGuard& guard) {
    Compressor c;
    c.progress.guard = &guard;
    auto failure = [&c] {
        if (c.progress.deadline_passed) return deadline_exceeded(c.errors.message);
        return internal_error(std::string("cannot encode JPEG: ") + c.errors.message);
    };
    if (!start(c, width, height, bands, quality, progressive)) return failure();
    for (int y = 0; y < height; y += kRowsPerStrip) {
        IMGPIPE_ASSIGN_OR_RETURN(const PixelView strip,
                                 rows(y, std::min(kRowsPerStrip, height - y)));
        if (!write_rows(c, strip)) return failure();
    }
    if (!finish(c)) return failure();
    return std::move(c.out);
}

}  // namespace imgpipe::imaging::vips_impl
