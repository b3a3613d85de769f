#include "imaging/vips/lanczos_reduce.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "imaging/vips/window_plan.h"  // kLanczosReach: the lobes window_plan's margins allow for

namespace imgpipe::imaging::vips_impl {
namespace {

// Output rows per horizontal pass: the strip (and its transpose) stays in L2 cache, and each
// horizontal sum runs over kStripRows * bands floats, several vectors long.
constexpr int kStripRows = 16;

double lanczos3(double x) {
    if (x == 0.0) return 1.0;
    if (x <= -kLanczosReach || x >= kLanczosReach) return 0.0;
    const double px = std::numbers::pi * x;
    return kLanczosReach * std::sin(px) * std::sin(px / kLanczosReach) / (px * px);
}

// What each output pixel of one axis reads: `taps` input indices (clamped into the axis, which
// repeats the edge pixel past it) and their weights, which sum to 1.
struct AxisTaps {
    int taps = 0;
    std::vector<int> index;
    std::vector<float> weight;
};

AxisTaps axis_taps(int length, double shrink, int out) {
    const double reach = kLanczosReach * shrink;  // the kernel, stretched to the input's pixels
    AxisTaps t;
    t.taps = static_cast<int>(std::ceil(2 * reach)) + 1;
    t.index.resize(static_cast<size_t>(out) * t.taps);
    t.weight.resize(t.index.size());
    const double offset = (length - out * shrink) / 2;
    std::vector<double> w(t.taps);
    for (int k = 0; k < out; ++k) {
        const double centre = (k + 0.5) * shrink - 0.5 + offset;
        const int first = static_cast<int>(std::floor(centre - reach)) + 1;
        double sum = 0;
        for (int i = 0; i < t.taps; ++i) {
            w[i] = lanczos3((first + i - centre) / shrink);
            sum += w[i];
        }
        for (int i = 0; i < t.taps; ++i) {
            const size_t at = static_cast<size_t>(k) * t.taps + i;
            t.index[at] = std::clamp(first + i, 0, length - 1);
            t.weight[at] = static_cast<float>(w[i] / sum);
        }
    }
    return t;
}

// The inner loops are built twice on x86-64 (AVX2, and the baseline) and the one for the CPU
// is picked at load time. The file is compiled without floating-point contraction, so both
// give the same pixels. Not under TSan: target_clones makes an ifunc resolver, which runs while
// the dynamic linker relocates the binary, before the TSan runtime is up; GCC instruments it
// anyway, so every binary linking this crashed at load (pipeline_test, SIGSEGV in the resolver).
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define IMGPIPE_VECTOR_CLONES [[gnu::target_clones("arch=x86-64-v3", "default")]]
#else
#define IMGPIPE_VECTOR_CLONES
#endif

// acc[j] += weight * row[j] for j < n: the inner loop of both passes.
IMGPIPE_VECTOR_CLONES void add_weighted(float* acc, const uint8_t* row, float weight, size_t n) {
    for (size_t j = 0; j < n; ++j) acc[j] += weight * static_cast<float>(row[j]);
}

IMGPIPE_VECTOR_CLONES void add_weighted(float* acc, const float* row, float weight, size_t n) {
    for (size_t j = 0; j < n; ++j) acc[j] += weight * row[j];
}

// Clamped to [0, 255] first, where adding 0.5 and truncating rounds half up exactly as lround
// does, without a libm call per pixel.
uint8_t to_uchar(float v) {
    const float clamped = std::clamp(v, 0.0f, 255.0f);
    return static_cast<uint8_t>(clamped + 0.5f);  // NOLINT(bugprone-incorrect-roundings)
}

}  // namespace

bool lanczos3_reduce(const PixelView& in, double xshrink, double yshrink, uint8_t* out,
                     int out_width, int out_height, const std::function<bool()>& stop) {
    const AxisTaps xt = axis_taps(in.width, xshrink, out_width);
    const AxisTaps yt = axis_taps(in.height, yshrink, out_height);
    const size_t bands = static_cast<size_t>(in.bands);
    const size_t row_floats = static_cast<size_t>(in.width) * bands;
    const size_t column_floats = kStripRows * bands;
    std::vector<float> rows(kStripRows * row_floats);      // vertical pass of one strip
    std::vector<float> columns(in.width * column_floats);  // ... transposed: a row per input x
    std::vector<float> sum(column_floats);

    for (int y0 = 0; y0 < out_height; y0 += kStripRows) {
        if (stop()) return false;
        const int strip = std::min(kStripRows, out_height - y0);
        for (int r = 0; r < strip; ++r) {
            float* acc = rows.data() + r * row_floats;
            std::fill(acc, acc + row_floats, 0.0f);
            const size_t at = static_cast<size_t>(y0 + r) * yt.taps;
            for (int i = 0; i < yt.taps; ++i) {
                add_weighted(acc, in.data + yt.index[at + i] * in.stride, yt.weight[at + i],
                             row_floats);
            }
        }
        for (int r = 0; r < strip; ++r) {
            const float* from = rows.data() + r * row_floats;
            float* to = columns.data() + r * bands;
            for (int x = 0; x < in.width; ++x, from += bands, to += column_floats) {
                for (size_t b = 0; b < bands; ++b) to[b] = from[b];
            }
        }
        const size_t n = strip * bands;
        for (int k = 0; k < out_width; ++k) {
            std::fill_n(sum.begin(), n, 0.0f);
            const size_t at = static_cast<size_t>(k) * xt.taps;
            for (int i = 0; i < xt.taps; ++i) {
                add_weighted(sum.data(), columns.data() + xt.index[at + i] * column_floats,
                             xt.weight[at + i], n);
            }
            for (int r = 0; r < strip; ++r) {
                uint8_t* pixel = out + ((y0 + r) * static_cast<size_t>(out_width) + k) * bands;
                for (size_t b = 0; b < bands; ++b) pixel[b] = to_uchar(sum[r * bands + b]);
            }
        }
    }
    return true;
}

}  // namespace imgpipe::imaging::vips_impl
