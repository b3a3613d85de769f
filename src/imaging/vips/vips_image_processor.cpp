#include "imaging/vips/vips_image_processor.h"

#include <atomic>
#include <optional>
#include <thread>

#include "core/thread_name.h"
#include "imaging/imaging_errors.h"
#include "imaging/vips/animation_step.h"
#include "imaging/vips/cascade_plan.h"
#include "imaging/vips/colour_step.h"
#include "imaging/vips/deadline_guard.h"
#include "imaging/vips/encode_step.h"
#include "imaging/vips/flatten_step.h"
#include "imaging/vips/jpeg_codec.h"
#include "imaging/vips/load_step.h"
#include "imaging/vips/orient_step.h"
#include "imaging/vips/placeholder_step.h"
#include "imaging/vips/raw_pixels.h"
#include "imaging/vips/resize_step.h"
#include "imaging/vips/vips_runtime.h"

namespace imgpipe::imaging {
namespace {

using vips_impl::CascadeStep;
using vips_impl::DeadlineGuard;
using vips_impl::ImageInput;
using vips_impl::Window;

struct Decoded {
    // In memory (or a crop of an image in memory), as stored (orientation not applied), 8-bit
    // sRGB or grey; the first frame of an animation.
    vips::VImage image;
    Size size;
    // With every frame decoded: all of them, one under the other (`image` is a crop of it).
    vips::VImage strip;
    std::optional<vips_impl::Timing> timing;
};

// Decodes the image into memory at the shrink-on-load scale that serves every variant: common
// JPEGs directly with libjpeg, everything else through libvips; every frame of an animation
// when `all_frames`.
Result<Decoded> decode(const ImageInput& input, const vips_impl::OpenedImage& opened,
                       const ResizeSpec& spec, bool all_frames, DeadlineGuard& guard) {
    const ImageInfo& info = opened.info;
    const Size floor = decode_floor(info.upright(), spec);
    try {
        vips::VImage x;
        if (opened.direct_jpeg) {
            std::string file;
            if (!input.path.empty()) {
                IMGPIPE_ASSIGN_OR_RETURN(file, vips_impl::read_input_file(input.path));
            }
            IMGPIPE_ASSIGN_OR_RETURN(
                x, vips_impl::decode_jpeg(input.path.empty() ? input.bytes : file,
                                          {info.width, info.height},
                                          vips_impl::jpeg_shrink(info, floor), guard));
        } else {
            const vips::VImage loaded = vips_impl::start_decode(input, opened, floor, all_frames);
            x = vips_impl::to_srgb8(loaded);
            guard.watch(x);
            x = x.copy_memory();
            if (all_frames) {
                Decoded d;
                d.strip = x;
                d.timing = vips_impl::timing_of(loaded);
                d.image = vips_impl::first_frame(x, *d.timing);
                d.size = {d.image.width(), d.image.height()};
                return d;
            }
        }
        return Decoded{x, {x.width(), x.height()}, {}, std::nullopt};
    } catch (const vips::VError& e) {
        vips_error_clear();
        if (guard.expired()) return deadline_exceeded("deadline passed while decoding");
        return decode_failure(e.what());
    }
}

// Makes one variant from `source` (the decoded image, or the intermediate its step cascades
// from), both in memory. When `keep_stage`, the reduced window is left in memory in `stage` for
// later steps.
Result<Variant> make_variant(const vips::VImage& source, const CascadeStep& step,
                             const ImageInfo& info, const VariantSpec& spec, bool keep_stage,
                             DeadlineGuard& guard, vips::VImage& stage) {
    IMGPIPE_RETURN_IF_ERROR(guard.check("variant " + spec.name));
    const VariantPlan plan = plan_variant(info.upright(), spec);
    const Window& w = step.window;
    try {
        vips::VImage x;
        if (step.x) {
            vips::VImage reduced = vips_impl::reduce_window(source, *step.x, *step.y, guard);
            if (keep_stage) {
                // (The copy gives a private header to watch, so jobs' variants never share
                // signal handlers.)
                if (!vips_impl::in_memory(reduced)) {
                    reduced = reduced.copy();
                    guard.watch(reduced);
                    reduced = reduced.copy_memory();
                }
                stage = reduced.crop(step.x->trusted, step.y->trusted, step.x->reduced.length,
                                     step.y->reduced.length);
            }
            x = reduced.crop(step.x->crop, step.y->crop, w.width, w.height);
        } else {
            x = vips_impl::resize_whole(source, w.full).crop(w.x, w.y, w.width, w.height);
        }
        // Orienting the variant-sized window costs a fraction of orienting the decode.
        x = vips_impl::orient(x, info.orientation);
        x = vips_impl::fit_to_plan(x, plan, spec);
        x = vips_impl::flatten_for_format(x, spec);
        x = x.copy();
        guard.watch(x);
        Variant out;
        out.bytes = vips_impl::encode(x, spec, guard);
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

// Makes an animated GIF / WebP variant from every frame of `decoded`.
Result<Variant> make_animated(const Decoded& decoded, const ImageInfo& info,
                              const VariantSpec& spec, DeadlineGuard& guard) {
    IMGPIPE_RETURN_IF_ERROR(guard.check("variant " + spec.name));
    try {
        vips_impl::Animated animated =
            vips_impl::animate(decoded.strip, *decoded.timing, info, spec, guard);
        vips::VImage x = animated.frames.copy();
        guard.watch(x);
        Variant out;
        out.bytes = vips_impl::encode(x, spec, guard, &animated.timing);
        out.name = spec.name;
        out.width = x.width();
        out.height = animated.timing.page_height;
        out.format = spec.format;
        out.content_type = std::string(content_type(spec.format));
        out.frames = static_cast<int>(animated.timing.delays.size());
        return out;
    } catch (const vips::VError& e) {
        vips_error_clear();
        if (guard.expired()) return deadline_exceeded("deadline passed while making " + spec.name);
        return Status(StatusCode::kInternal, "ImageProcessingFailed",
                      "variant " + spec.name + ": " + e.what());
    }
}

// Makes the variants `indexes` of `spec` from `decoded` into `made` (by spec index), following
// a cascade plan of those variants, on up to `threads` threads; hands each one made to
// `on_ready` (when set) from the thread that made it.
void make_stage(const vips::VImage& decoded, const ImageInfo& info, const ResizeSpec& spec,
                const std::vector<size_t>& indexes, DeadlineGuard& guard, int max_threads,
                const VariantReady& on_ready, std::vector<std::optional<Result<Variant>>>& made) {
    std::vector<Window> windows;
    for (const size_t i : indexes) {
        const VariantSpec& v = spec.variants[i];
        windows.push_back(
            vips_impl::stored_window(plan_variant(info.upright(), v), v, info.orientation));
    }
    const std::vector<CascadeStep> steps =
        vips_impl::plan_cascade({decoded.width(), decoded.height()}, windows);
    const std::vector<std::vector<size_t>> chains = vips_impl::chains_of(steps);
    std::vector<vips::VImage> stages(steps.size());
    // Chains are independent reads of the decoded image: each thread takes the next.
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t c = next++; c < chains.size(); c = next++) {
            for (const size_t i : chains[c]) {
                const CascadeStep& step = steps[i];
                const size_t index = indexes[step.variant];
                if (step.source >= 0) {
                    const auto& from =
                        made[indexes[steps[static_cast<size_t>(step.source)].variant]];
                    if (!from->is_ok()) {
                        made[index] = from->status();
                        continue;
                    }
                }
                const vips::VImage& source =
                    step.source < 0 ? decoded : stages[static_cast<size_t>(step.source)];
                made[index] = make_variant(source, step, info, spec.variants[index],
                                           step.feeds_later, guard, stages[i]);
                if (on_ready && made[index]->is_ok()) on_ready(index, **made[index]);
            }
        }
    };
    const size_t threads = std::min<size_t>(std::max(1, max_threads), chains.size());
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) {
        helpers.emplace_back([&] {
            name_this_thread("variants");
            work();
        });
    }
    work();
    for (auto& helper : helpers) helper.join();
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
                                                   const Limits& limits, Deadline deadline,
                                                   const VariantReady& on_ready) const {
    return run({.bytes = bytes}, spec, limits, deadline, on_ready);
}

Result<ProcessedImage> VipsImageProcessor::process_file(const std::string& path,
                                                        const ResizeSpec& spec,
                                                        const Limits& limits,
                                                        Deadline deadline) const {
    return run({.path = path}, spec, limits, deadline, nullptr);
}

Result<ProcessedImage> VipsImageProcessor::run(const ImageInput& input, const ResizeSpec& spec,
                                               const Limits& limits, Deadline deadline,
                                               const VariantReady& on_ready) const {
    DeadlineGuard guard(clock_, deadline);
    IMGPIPE_RETURN_IF_ERROR(guard.check("load"));
    IMGPIPE_ASSIGN_OR_RETURN(auto opened, vips_impl::open_header(input));
    IMGPIPE_RETURN_IF_ERROR(vips_impl::check_limits(opened.info, limits));
    // An animation is decoded whole only when a variant keeps it, and only within budget.
    const ImageInfo& info = opened.info;
    bool animated_output = false;
    for (const auto& v : spec.variants) {
        animated_output = animated_output || vips_impl::can_animate(v.format);
    }
    animated_output = animated_output && vips_impl::is_animation(info);
    const bool keep_animation = animated_output && vips_impl::within_budget(info, limits);
    IMGPIPE_RETURN_IF_ERROR(guard.check("decode"));
    IMGPIPE_ASSIGN_OR_RETURN(auto decoded, decode(input, opened, spec, keep_animation, guard));

    ProcessedImage result;
    result.source = info;
    result.decoded = decoded.size;
    const size_t n = spec.variants.size();
    std::vector<std::optional<Result<Variant>>> made(n);
    // First variant first: still variants, then animated ones (a frame each), then AVIF (slow to
    // encode), each handed to `on_ready` when made. Still stages cascade within themselves.
    std::vector<size_t> stills;
    std::vector<size_t> animations;
    std::vector<size_t> avifs;
    for (size_t i = 0; i < n; ++i) {
        const ImageFormat format = spec.variants[i].format;
        (format == ImageFormat::kAvif                       ? avifs
         : keep_animation && vips_impl::can_animate(format) ? animations
                                                            : stills)
            .push_back(i);
    }
    if (!stills.empty()) {
        make_stage(decoded.image, info, spec, stills, guard, options_.variant_threads, on_ready,
                   made);
    }
    for (const size_t i : animations) {
        made[i] = make_animated(decoded, info, spec.variants[i], guard);
        if (on_ready && made[i]->is_ok()) on_ready(i, **made[i]);
    }
    if (!avifs.empty()) {
        make_stage(decoded.image, info, spec, avifs, guard, options_.variant_threads, on_ready,
                   made);
    }

    for (auto& variant : made) {
        if (!variant->is_ok()) return variant->status();
        result.variants.push_back(std::move(*variant).value());
        Variant& v = result.variants.back();
        if (animated_output && !keep_animation && vips_impl::can_animate(v.format)) {
            v.note = std::string(kAnimationOverBudget);
        }
    }
    try {
        result.placeholder = vips_impl::placeholder_of(decoded.image, opened.info.orientation);
    } catch (const vips::VError&) {
        // The variants are what the job is for; a page without a placeholder still works.
        vips_error_clear();
    }
    return result;
}

}  // namespace imgpipe::imaging
