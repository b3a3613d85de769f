#include "imaging/vips/vips_image_processor.h"

#include <atomic>
#include <optional>
#include <thread>

#include "imaging/imaging_errors.h"
#include "imaging/vips/colour_step.h"
#include "imaging/vips/deadline_guard.h"
#include "imaging/vips/encode_step.h"
#include "imaging/vips/flatten_step.h"
#include "imaging/vips/load_step.h"
#include "imaging/vips/orient_step.h"
#include "imaging/vips/resize_step.h"
#include "imaging/vips/vips_runtime.h"

namespace imgpipe::imaging {
namespace {

using vips_impl::DeadlineGuard;
using vips_impl::ImageInput;

// libjpeg reports arithmetic, lossless and 12-bit JPEGs as "Unsupported JPEG process"; those are
// valid files of a kind imgpipe does not read, everything else failing in the decoder is damage.
Status decode_failure(const std::string& what) {
    if (what.find("Unsupported") != std::string::npos ||
        what.find("unsupported") != std::string::npos) {
        return unsupported_format("cannot decode: " + what);
    }
    return corrupt_image("cannot decode: " + what);
}

struct Decoded {
    vips::VImage image;  // upright, 8-bit sRGB or grey, in memory
    Size size;           // as decoded, before orientation
};

Result<Decoded> decode(const ImageInput& input, const vips_impl::OpenedImage& opened,
                       const ResizeSpec& spec, DeadlineGuard& guard) {
    const ImageInfo& info = opened.info;
    try {
        vips_impl::DecodeStart start =
            vips_impl::start_decode(input, opened, decode_floor(info.upright(), spec));
        vips::VImage x = vips_impl::to_srgb8(start.image);
        guard.watch(x);
        x = x.copy_memory();
        Decoded decoded{x, {x.width(), x.height()}};
        IMGPIPE_RETURN_IF_ERROR(guard.check("orient"));
        if (info.orientation != 1) x = vips_impl::orient(x, info.orientation).copy_memory();
        decoded.image = x;
        return decoded;
    } catch (const vips::VError& e) {
        vips_error_clear();
        if (guard.expired()) return deadline_exceeded("deadline passed while decoding");
        return decode_failure(e.what());
    }
}

Result<Variant> make_variant(const vips::VImage& decoded, Size upright, const VariantSpec& spec,
                             DeadlineGuard& guard) {
    IMGPIPE_RETURN_IF_ERROR(guard.check("variant " + spec.name));
    const VariantPlan plan = plan_variant(upright, spec);
    try {
        vips::VImage x = vips_impl::resize_to_plan(decoded, plan, spec);
        x = vips_impl::flatten_for_format(x, spec);
        // A private header to watch, so jobs' variants never share signal handlers.
        x = x.copy();
        guard.watch(x);
        Variant out;
        out.bytes = vips_impl::encode(x, spec);
        out.name = spec.name;
        out.width = plan.output.width;
        out.height = plan.output.height;
        out.format = spec.format;
        out.content_type = std::string(content_type(spec.format));
        return out;
    } catch (const vips::VError& e) {
        vips_error_clear();
        if (guard.expired()) return deadline_exceeded("deadline passed while making " + spec.name);
        return Status(StatusCode::kInternal, "ImageProcessingFailed",
                      "variant " + spec.name + ": " + e.what());
    }
}

}  // namespace

Result<std::unique_ptr<VipsImageProcessor>> VipsImageProcessor::create(Options options,
                                                                       const Clock& clock) {
    IMGPIPE_RETURN_IF_ERROR(
        vips_impl::ensure_vips_started({.concurrency = options.vips_concurrency}));
    return std::unique_ptr<VipsImageProcessor>(new VipsImageProcessor(options, clock));
}

Result<ImageInfo> VipsImageProcessor::probe(std::string_view bytes) const {
    IMGPIPE_ASSIGN_OR_RETURN(auto opened, vips_impl::open_header({.bytes = bytes}));
    return opened.info;
}

Result<ImageInfo> VipsImageProcessor::probe_file(const std::string& path) const {
    IMGPIPE_ASSIGN_OR_RETURN(auto opened, vips_impl::open_header({.path = path}));
    return opened.info;
}

Result<ProcessedImage> VipsImageProcessor::process(std::string_view bytes, const ResizeSpec& spec,
                                                   const Limits& limits, Deadline deadline) const {
    return run({.bytes = bytes}, spec, limits, deadline);
}

Result<ProcessedImage> VipsImageProcessor::process_file(const std::string& path,
                                                        const ResizeSpec& spec,
                                                        const Limits& limits,
                                                        Deadline deadline) const {
    return run({.path = path}, spec, limits, deadline);
}

Result<ProcessedImage> VipsImageProcessor::run(const ImageInput& input, const ResizeSpec& spec,
                                               const Limits& limits, Deadline deadline) const {
    DeadlineGuard guard(clock_, deadline);
    IMGPIPE_RETURN_IF_ERROR(guard.check("load"));
    IMGPIPE_ASSIGN_OR_RETURN(auto opened, vips_impl::open_header(input));
    IMGPIPE_RETURN_IF_ERROR(vips_impl::check_limits(opened.info, limits));
    IMGPIPE_RETURN_IF_ERROR(guard.check("decode"));
    IMGPIPE_ASSIGN_OR_RETURN(auto decoded, decode(input, opened, spec, guard));

    ProcessedImage result;
    result.source = opened.info;
    result.decoded = decoded.size;
    const Size upright = opened.info.upright();
    const size_t n = spec.variants.size();
    std::vector<std::optional<Result<Variant>>> made(n);
    // Variants are independent reads of the same in-memory image: each thread takes the next.
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next++; i < n; i = next++) {
            made[i] = make_variant(decoded.image, upright, spec.variants[i], guard);
        }
    };
    const size_t threads = std::min<size_t>(std::max(1, options_.variant_threads), n);
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (auto& helper : helpers) helper.join();

    for (auto& variant : made) {
        if (!variant->is_ok()) return variant->status();
        result.variants.push_back(std::move(*variant).value());
    }
    return result;
}

}  // namespace imgpipe::imaging
