#pragma once
// VipsImageProcessor: the ImageProcessor on libvips 8.14 (DESIGN.md §6). One job reads the
// header (limits checked before any pixel is decoded), decodes once with shrink-on-load (8-bit
// sRGB, as stored), then makes each variant — resample, orient, crop, flatten, encode —
// optionally on several threads. Resampling follows a cascade plan (cascade_plan.h): only the
// part of an image a variant keeps is resampled, smaller variants are made from larger ones'
// intermediates, and EXIF orientation is applied to each variant-sized result; when a single
// variant reads the decode, it is pulled straight through instead of copied to memory. Steps
// live one per file in this folder and read as one sentence in process(); every libvips
// exception is turned into a Status here, at the edge of the module.
//
// Thread-safe: process()/probe() may be called from any number of threads at once. libvips'
// cache is off and its per-operation threading is set once per process (Options::vips_concurrency
// of the first instance wins).

#include <memory>

#include "core/clock.h"
#include "imaging/image_processor.h"

namespace imgpipe::imaging {

namespace vips_impl {
struct ImageInput;
}

class VipsImageProcessor final : public ImageProcessor {
  public:
    struct Options {
        int vips_concurrency = 1;  // threads inside one libvips operation (process-wide)
        int variant_threads = 1;   // variants of one job made in parallel (1 = sequentially)
    };

    // Starts libvips once per process. kInternal if libvips cannot start.
    static Result<std::unique_ptr<VipsImageProcessor>> create(
        Options options, const Clock& clock = SystemClock::instance());

    Result<ImageInfo> probe(std::string_view bytes) const override;
    Result<ImageInfo> probe_file(const std::string& path) const override;
    Result<ProcessedImage> process(std::string_view bytes, const ResizeSpec& spec,
                                   const Limits& limits, Deadline deadline,
                                   const VariantReady& on_ready = nullptr) const override;
    Result<ProcessedImage> process_file(const std::string& path, const ResizeSpec& spec,
                                        const Limits& limits, Deadline deadline) const override;

  private:
    VipsImageProcessor(Options options, const Clock& clock) : options_(options), clock_(clock) {}
    Result<ProcessedImage> run(const vips_impl::ImageInput& input, const ResizeSpec& spec,
                               const Limits& limits, Deadline deadline,
                               const VariantReady& on_ready) const;

    const Options options_;
    const Clock& clock_;
};

}  // namespace imgpipe::imaging
