#include "imaging/placeholder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/base64url.h"

namespace imgpipe::imaging {
namespace {

// JavaScript's Math.round, which the reference uses (halves round up, also below zero).
int js_round(double x) { return static_cast<int>(std::floor(x + 0.5)); }

struct Channel {
    double dc = 0;
    std::vector<double> ac;  // normalised to 0..1
    double scale = 0;
};

// The DCT terms of `channel` with cx * ny < nx * (ny - cy), the reference's triangle.
Channel encode_channel(const std::vector<double>& channel, int w, int h, int nx, int ny) {
    Channel out;
    std::vector<double> fx(static_cast<size_t>(w));
    for (int cy = 0; cy < ny; ++cy) {
        for (int cx = 0; cx * ny < nx * (ny - cy); ++cx) {
            double f = 0;
            for (int x = 0; x < w; ++x) fx[x] = std::cos(std::numbers::pi / w * cx * (x + 0.5));
            for (int y = 0; y < h; ++y) {
                const double fy = std::cos(std::numbers::pi / h * cy * (y + 0.5));
                for (int x = 0; x < w; ++x) f += channel[x + y * w] * fx[x] * fy;
            }
            f /= w * h;
            if (cx != 0 || cy != 0) {
                out.ac.push_back(f);
                out.scale = std::max(out.scale, std::abs(f));
            } else {
                out.dc = f;
            }
        }
    }
    if (out.scale > 0) {
        for (double& f : out.ac) f = 0.5 + 0.5 / out.scale * f;
    }
    return out;
}

}  // namespace

std::string thumbhash_from_rgba(int w, int h, std::span<const uint8_t> rgba) {
    const size_t n = static_cast<size_t>(w) * static_cast<size_t>(h);
    double avg_r = 0, avg_g = 0, avg_b = 0, avg_a = 0;
    for (size_t i = 0, j = 0; i < n; ++i, j += 4) {
        const double alpha = rgba[j + 3] / 255.0;
        avg_r += alpha / 255 * rgba[j];
        avg_g += alpha / 255 * rgba[j + 1];
        avg_b += alpha / 255 * rgba[j + 2];
        avg_a += alpha;
    }
    if (avg_a > 0) {
        avg_r /= avg_a;
        avg_g /= avg_a;
        avg_b /= avg_a;
    }
    const bool has_alpha = avg_a < static_cast<double>(n);
    const int l_limit = has_alpha ? 5 : 7;  // fewer luminance terms when alpha needs room
    const int lx = std::max(1, js_round(static_cast<double>(l_limit) * w / std::max(w, h)));
    const int ly = std::max(1, js_round(static_cast<double>(l_limit) * h / std::max(w, h)));
    std::vector<double> l(n), p(n), q(n), a(n);
    // Composited over the average colour, then to luminance, yellow-blue, red-green, alpha.
    for (size_t i = 0, j = 0; i < n; ++i, j += 4) {
        const double alpha = rgba[j + 3] / 255.0;
        const double r = avg_r * (1 - alpha) + alpha / 255 * rgba[j];
        const double g = avg_g * (1 - alpha) + alpha / 255 * rgba[j + 1];
        const double b = avg_b * (1 - alpha) + alpha / 255 * rgba[j + 2];
        l[i] = (r + g + b) / 3;
        p[i] = (r + g) / 2 - b;
        q[i] = r - g;
        a[i] = alpha;
    }
    const Channel lc = encode_channel(l, w, h, std::max(3, lx), std::max(3, ly));
    const Channel pc = encode_channel(p, w, h, 3, 3);
    const Channel qc = encode_channel(q, w, h, 3, 3);
    const Channel ac = has_alpha ? encode_channel(a, w, h, 5, 5) : Channel{};

    const bool landscape = w > h;
    const uint32_t header24 = static_cast<uint32_t>(js_round(63 * lc.dc)) |
                              (static_cast<uint32_t>(js_round(31.5 + 31.5 * pc.dc)) << 6) |
                              (static_cast<uint32_t>(js_round(31.5 + 31.5 * qc.dc)) << 12) |
                              (static_cast<uint32_t>(js_round(31 * lc.scale)) << 18) |
                              (static_cast<uint32_t>(has_alpha) << 23);
    const uint32_t header16 = static_cast<uint32_t>(landscape ? ly : lx) |
                              (static_cast<uint32_t>(js_round(63 * pc.scale)) << 3) |
                              (static_cast<uint32_t>(js_round(63 * qc.scale)) << 9) |
                              (static_cast<uint32_t>(landscape) << 15);
    const size_t ac_start = has_alpha ? 6 : 5;
    size_t ac_count = lc.ac.size() + pc.ac.size() + qc.ac.size() + ac.ac.size();
    std::string hash(ac_start + (ac_count + 1) / 2, '\0');
    hash[0] = static_cast<char>(header24 & 255);
    hash[1] = static_cast<char>((header24 >> 8) & 255);
    hash[2] = static_cast<char>(header24 >> 16);
    hash[3] = static_cast<char>(header16 & 255);
    hash[4] = static_cast<char>(header16 >> 8);
    if (has_alpha) {
        hash[5] = static_cast<char>(js_round(15 * ac.dc) | (js_round(15 * ac.scale) << 4));
    }
    size_t index = 0;
    for (const Channel* c : {&lc, &pc, &qc, &ac}) {
        for (double f : c->ac) {
            auto& byte = reinterpret_cast<uint8_t&>(hash[ac_start + (index >> 1)]);
            byte = static_cast<uint8_t>(byte | (js_round(15 * f) << ((index & 1) << 2)));
            ++index;
        }
    }
    return hash;
}

Rgb dominant_colour(int width, int height, std::span<const uint8_t> rgba) {
    struct Cell {
        double weight = 0, r = 0, g = 0, b = 0;
    };
    std::vector<Cell> cells(16 * 16 * 16);
    const size_t n = static_cast<size_t>(width) * static_cast<size_t>(height);
    for (size_t i = 0, j = 0; i < n; ++i, j += 4) {
        const double alpha = rgba[j + 3] / 255.0;
        Cell& c = cells[(rgba[j] >> 4) << 8 | (rgba[j + 1] >> 4) << 4 | (rgba[j + 2] >> 4)];
        c.weight += alpha;
        c.r += alpha * rgba[j];
        c.g += alpha * rgba[j + 1];
        c.b += alpha * rgba[j + 2];
    }
    auto best = std::max_element(cells.begin(), cells.end(),
                                 [](const Cell& x, const Cell& y) { return x.weight < y.weight; });
    if (best->weight <= 0) return Rgb{};
    auto channel = [&](double sum) {
        return static_cast<uint8_t>(std::clamp(js_round(sum / best->weight), 0, 255));
    };
    return Rgb{channel(best->r), channel(best->g), channel(best->b)};
}

Placeholder make_placeholder(int width, int height, std::span<const uint8_t> rgba) {
    return Placeholder{base64url(thumbhash_from_rgba(width, height, rgba)),
                       dominant_colour(width, height, rgba)};
}

std::string hex_colour(const Rgb& colour) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "#";
    for (uint8_t c : {colour.r, colour.g, colour.b}) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

}  // namespace imgpipe::imaging
