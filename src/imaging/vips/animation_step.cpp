#include "imaging/vips/animation_step.h"

#include "imaging/variant_geometry.h"
#include "imaging/vips/cascade_plan.h"
#include "imaging/vips/orient_step.h"
#include "imaging/vips/resize_step.h"

namespace imgpipe::imaging::vips_impl {
namespace {

// What browsers show for a frame without a delay (and for 0 or 10 ms ones, which they treat as
// "as fast as possible" and slow down anyway).
constexpr int kDefaultDelayMs = 100;

}  // namespace

bool is_animation(const ImageInfo& info) {
    return info.pages > 1 &&
           (info.format == ImageFormat::kGif || info.format == ImageFormat::kWebp);
}

bool can_animate(ImageFormat format) {
    return format == ImageFormat::kGif || format == ImageFormat::kWebp;
}

bool within_budget(const ImageInfo& info, const Limits& limits) {
    const int64_t frame = static_cast<int64_t>(info.width) * info.height;
    return frame * info.pages <= limits.max_animation_pixels;
}

Timing timing_of(const vips::VImage& strip) {
    Timing t;
    t.page_height = vips_image_get_page_height(strip.get_image());
    const int pages = strip.height() / t.page_height;
    if (strip.get_typeof("delay") != 0) t.delays = strip.get_array_int("delay");
    t.delays.resize(static_cast<size_t>(pages), kDefaultDelayMs);
    if (strip.get_typeof("loop") != 0) t.loop = strip.get_int("loop");
    return t;
}

vips::VImage first_frame(const vips::VImage& strip, const Timing& timing) {
    return strip.crop(0, 0, strip.width(), timing.page_height);
}

Animated animate(const vips::VImage& strip, const Timing& timing, const ImageInfo& info,
                 const VariantSpec& variant, const DeadlineGuard& guard) {
    VariantSpec centred = variant;
    centred.gravity = Gravity::kCentre;
    const VariantPlan plan = plan_variant(info.upright(), centred);
    const Window w = stored_window(plan, centred, info.orientation);
    const int pages = static_cast<int>(timing.delays.size());
    std::vector<vips::VImage> frames;
    frames.reserve(static_cast<size_t>(pages));
    for (int i = 0; i < pages; ++i) {
        if (guard.expired()) throw vips::VError("deadline passed while animating");
        vips::VImage frame =
            strip.crop(0, i * timing.page_height, strip.width(), timing.page_height);
        frame = resize_whole(frame, w.full).crop(w.x, w.y, w.width, w.height);
        frame = orient(frame, info.orientation);
        frames.push_back(fit_to_plan(frame, plan, centred));
    }
    Animated out;
    out.frames = vips::VImage::arrayjoin(frames, vips::VImage::option()->set("across", 1));
    out.timing = timing;
    out.timing.page_height = plan.output.height;
    return out;
}

}  // namespace imgpipe::imaging::vips_impl
