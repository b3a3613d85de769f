#include "imaging/vips/window_plan.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace imgpipe::imaging::vips_impl {
namespace {

// libvips rounds a reduce's output size to nearest (VIPS_ROUND_UINT).
int reduced_length(int length, double shrink) {
    return static_cast<int>(std::floor(length / shrink + 0.5));
}

// A reduce of [start, start + length) of `source` to `out` pixels whose pixel k is at decoded
// coordinate step * k + offset, with its trusted part.
AxisCut trusted_cut(const AxisMap& source, int start, int length, double shrink, int out, int crop,
                    double offset, double step) {
    const bool at_start = source.at_start && start == 0;
    const bool at_end = source.at_end && start + length == source.length;
    // Output pixel k samples the range at (k + 0.5) * shrink - 0.5 + (length - out * shrink) / 2
    // and reads kLanczosReach output pixels (times shrink) either side of it.
    const double centre0 = 0.5 * shrink - 0.5 + (length - out * shrink) / 2;
    const double reach = kLanczosReach * shrink;
    int first = 0;
    int last = out - 1;
    if (!at_start) first = static_cast<int>(std::ceil((reach - centre0) / shrink));
    if (!at_end) last = static_cast<int>(std::floor((length - 1 - reach - centre0) / shrink));
    first = std::clamp(first, 0, out);
    last = std::clamp(last, first - 1, out - 1);
    return AxisCut{.start = start,
                   .length = length,
                   .shrink = shrink,
                   .out_length = out,
                   .crop = crop,
                   .trusted = first,
                   .reduced = {.scale = step,
                               .offset = offset + first * step,
                               .length = last - first + 1,
                               .at_start = at_start,
                               .at_end = at_end}};
}

}  // namespace

AxisMap identity_axis(int length) { return {.scale = 1.0, .offset = 0.0, .length = length}; }

std::optional<AxisCut> plan_axis(const AxisMap& source, int decoded_length, int full, int offset,
                                 int wanted) {
    // Where output pixel j of the target should sample the decoded image: the whole axis
    // resized to `full`, centre to centre.
    const double step = static_cast<double>(decoded_length) / full;
    const double first = (offset + 0.5) * step - 0.5;
    if (step / source.scale < 1.0 - 1e-9 || step / source.scale > kMaxReduce) return std::nullopt;
    // libvips refuses shrinks under 1; within rounding, 1 is what was meant.
    const double shrink = std::max(1.0, step / source.scale);

    // The source pixels the kernel reads (3 output pixels either side, plus one source pixel of
    // rounding); past an edge of the decoded image both this and a whole-image resize repeat
    // the edge pixel, so only real edges may be crossed.
    const double last = first + (wanted - 1) * step;
    const double need_lo = (first - kLanczosReach * step - source.offset) / source.scale - 1;
    const double need_hi = (last + kLanczosReach * step - source.offset) / source.scale + 1;
    if (need_lo < 0 && !source.at_start) return std::nullopt;
    if (need_hi > source.length - 1 && !source.at_end) return std::nullopt;
    // Keep kWindowMargin output pixels where the source has them, for later cascades.
    const double want_lo = (first - kWindowMargin * step - source.offset) / source.scale;
    const double want_hi = (last + kWindowMargin * step - source.offset) / source.scale;
    const int lo_start = want_lo <= 0 ? 0 : static_cast<int>(std::floor(want_lo));
    const int hi_end =
        want_hi >= source.length - 1 ? source.length : static_cast<int>(std::ceil(want_hi)) + 1;

    // Try ranges a few pixels either way (never short of what the kernel needs) and keep the
    // one whose output lands closest to whole pixels: a 2x reduce from the right parity is
    // exact, other ratios need the search. The whole source axis is a candidate too when it
    // spans the decoded image, and is exact.
    constexpr int kSlack = 6;
    const int start_max = need_lo <= 0 ? 0 : static_cast<int>(std::floor(need_lo));
    const int end_min =
        need_hi >= source.length - 1 ? source.length : static_cast<int>(std::ceil(need_hi)) + 1;
    std::vector<int> starts;
    std::vector<int> ends;
    for (int s = std::max(0, lo_start - kSlack); s <= std::min(start_max, lo_start + kSlack); ++s) {
        starts.push_back(s);
    }
    for (int e = std::max(end_min, hi_end - kSlack); e <= std::min(source.length, hi_end + kSlack);
         ++e) {
        ends.push_back(e);
    }
    if (source.at_start && source.at_end) {
        starts.push_back(0);
        ends.push_back(source.length);
    }
    // Among ranges phased within kMaxPhaseError, the one nearest the wanted margins.
    std::optional<AxisCut> best;
    double best_error = 0;
    int best_distance = 0;
    for (const int start : starts) {
        for (const int end : ends) {
            const int length = end - start;
            const int out = reduced_length(length, shrink);
            const double b =
                source.scale * ((0.5 * shrink - 0.5) + (length - out * shrink) / 2 + start) +
                source.offset;
            const double crop = (first - b) / step;
            const int rounded = static_cast<int>(std::lround(crop));
            const double error = std::abs(crop - rounded);
            if (rounded < 0 || rounded + wanted > out || error > kMaxPhaseError) continue;
            const int distance = std::abs(start - lo_start) + std::abs(end - hi_end);
            if (best &&
                (distance > best_distance || (distance == best_distance && error >= best_error))) {
                continue;
            }
            best_error = error;
            best_distance = distance;
            best = trusted_cut(source, start, length, shrink, out, rounded, b, step);
        }
    }
    return best;
}

}  // namespace imgpipe::imaging::vips_impl
