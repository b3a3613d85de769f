#pragma once
// Animation step: GIF and WebP variants of an animated GIF or WebP keep every frame. Whether a
// job keeps the animation is decided from the header (the frames x pixels budget of
// Limits::max_animation_pixels) before anything is decoded; the decode then holds every frame
// one under the other (load_step's `all_pages`), and animate() makes a variant frame by frame —
// resample, orient, fit, exactly as a still variant — and joins the frames with the timing that
// gifsave / webpsave read (page-height, delay, loop). Cover crops stay at the centre: a smart
// crop chosen per frame would make the frames jump. Throws vips::VError. Thread-safe (inputs are
// only read).

#include <vector>
#include <vips/vips8>

#include "imaging/image_processor.h"
#include "imaging/vips/deadline_guard.h"

namespace imgpipe::imaging::vips_impl {

// How an animation plays: what the savers need besides the frames.
struct Timing {
    int page_height = 0;      // of one frame in the image it describes
    std::vector<int> delays;  // milliseconds, one per frame
    int loop = 0;             // as libvips has it: 0 = for ever
};

// True when the input is an animation (GIF or WebP of several frames).
bool is_animation(const ImageInfo& info);
// True for the variant formats that can hold an animation: GIF, WebP.
bool can_animate(ImageFormat format);
// True when frames x pixels of one frame is within `limits.max_animation_pixels`.
bool within_budget(const ImageInfo& info, const Limits& limits);

// The timing of a decode of every page (`strip`, frames one under the other, as loaded). A
// frame without a delay gets 100 ms (what browsers show).
Timing timing_of(const vips::VImage& strip);

// The first frame of `strip` (a crop: no pixels copied).
vips::VImage first_frame(const vips::VImage& strip, const Timing& timing);

struct Animated {
    vips::VImage frames;  // one under the other
    Timing timing;        // theirs (encode() writes it into the file)
};

// `variant` of every frame of `strip` (in memory, 8-bit sRGB or grey, stored orientation; frames
// of timing.page_height rows). Throws a VError naming the deadline once `guard` expires between
// frames. REQUIRES: can_animate(variant.format); `info` is the input's header.
Animated animate(const vips::VImage& strip, const Timing& timing, const ImageInfo& info,
                 const VariantSpec& variant, const DeadlineGuard& guard);

}  // namespace imgpipe::imaging::vips_impl
