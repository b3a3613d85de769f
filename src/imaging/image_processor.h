#pragma once
// ImageProcessor: the port through which the worker turns one uploaded image into all its
// variants. Implemented by VipsImageProcessor (src/imaging/vips, the only code that touches
// libvips); the pipeline and the CLI see only this header.
//
// Contract for every implementation: decode the input once (shrinking on load as far as the
// largest variant allows), then make each variant of the ResizeSpec from that one decoded image
// with the exact size given by plan_variant() (variant_geometry.h), upright (EXIF orientation
// applied once), in sRGB, 8-bit, alpha flattened on the variant's background when the output
// format has no alpha, and with no metadata at all in the output (no EXIF, GPS, XMP, ICC,
// comments). Animation: an animated GIF or WebP input keeps every frame, its delay and the loop
// count in GIF and WebP variants, each frame resized alike (cover crops at the centre, so the
// frames stay aligned), as long as frames x pixels of one frame is within
// Limits::max_animation_pixels; over it, those variants are the first frame only and say so
// (Variant::note = kAnimationOverBudget). Every other variant is the first frame. The input is
// still decoded once: all frames when an animated variant is made, else the first. From the same
// decoded image, a placeholder (ThumbHash and dominant colour, placeholder.h) of the upright
// picture. Limits are checked from the header before anything is decoded. Failures are values with
// the reasons of imaging_errors.h; bad input never crashes or hangs past the deadline.
//
// Thread safety: implementations are thread-safe; any number of jobs may run at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "imaging/image_format.h"
#include "imaging/placeholder.h"
#include "imaging/resize_spec.h"
#include "imaging/variant_geometry.h"

namespace imgpipe::imaging {

// What the header says, read without decoding pixels.
struct ImageInfo {
    ImageFormat format = ImageFormat::kJpeg;
    int width = 0;   // as stored, before orientation
    int height = 0;  // one page / frame
    int pages = 1;   // frames of an animation, pages of a TIFF, images of a HEIF
    // EXIF orientation 1..8 that processing will apply; 1 when the decoder already applies the
    // rotation itself (HEIF's irot/imir), so it is never applied twice.
    int orientation = 1;
    bool has_alpha = false;

    // The size after orientation (sides swapped for 5..8).
    Size upright() const { return orientation >= 5 ? Size{height, width} : Size{width, height}; }
};

// Safety limits, checked from the header before any decode (DESIGN.md §6).
struct Limits {
    int64_t max_pixels = 100'000'000;  // width * height of one frame
    int max_pages = 256;               // frames/pages declared in the file
    // Frames x pixels of one frame an animated GIF/WebP variant may be made from (all frames are
    // decoded into memory, 4 bytes a pixel); over it, such variants are the first frame only.
    int64_t max_animation_pixels = 25'000'000;
};

// Variant::note of a GIF/WebP variant of an animated input that is its first frame only,
// because the animation is over Limits::max_animation_pixels.
inline constexpr std::string_view kAnimationOverBudget = "AnimationOverBudget";

// One encoded output.
struct Variant {
    std::string name;  // VariantSpec::name
    int width = 0;
    int height = 0;
    ImageFormat format = ImageFormat::kJpeg;
    std::string content_type;  // "image/jpeg", ...
    std::string bytes;         // the encoded file
    int frames = 1;            // frames of an animated GIF / WebP, else 1
    std::string note;          // "" or why it is less than asked for (kAnimationOverBudget)
};

struct ProcessedImage {
    ImageInfo source;
    Size decoded;                   // the size decoded after shrink-on-load, before orientation
    std::vector<Variant> variants;  // in ResizeSpec order
    Placeholder placeholder;        // empty thumbhash when it could not be made
};

using Deadline = std::chrono::steady_clock::time_point;

// Told of each variant as soon as it is encoded: its index in the ResizeSpec and the variant
// (valid until process() returns). Called from the thread that made it; calls may overlap.
using VariantReady = std::function<void(size_t index, const Variant& variant)>;

class ImageProcessor {
  public:
    virtual ~ImageProcessor() = default;

    // Reads the header of an encoded image in memory.
    // UnsupportedFormat if it is not JPEG, PNG, WebP, GIF, TIFF, HEIF/HEIC or AVIF;
    // CorruptImage if the header cannot be parsed.
    virtual Result<ImageInfo> probe(std::string_view bytes) const = 0;
    // Same, for a file (only the header is read). kNotFound if the file does not exist.
    virtual Result<ImageInfo> probe_file(const std::string& path) const = 0;

    // Makes every variant of `spec` (REQUIRES: validate(spec) passed) from an encoded image.
    // UnsupportedFormat / CorruptImage as probe() or when decoding fails; ImageTooLarge when
    // the header exceeds `limits`; DeadlineExceeded when `deadline` (on the processor's clock)
    // passes before all variants are encoded — checked between steps and during pixel work.
    // First variant first: AVIF variants (slow to encode) are made after all the others, and
    // `on_ready` (when set) hears of each variant as soon as it is made, so a caller can store
    // the others while the AVIF ones still encode.
    virtual Result<ProcessedImage> process(std::string_view bytes, const ResizeSpec& spec,
                                           const Limits& limits, Deadline deadline,
                                           const VariantReady& on_ready = nullptr) const = 0;
    // Same, reading the image from a file.
    virtual Result<ProcessedImage> process_file(const std::string& path, const ResizeSpec& spec,
                                                const Limits& limits, Deadline deadline) const = 0;
};

}  // namespace imgpipe::imaging
