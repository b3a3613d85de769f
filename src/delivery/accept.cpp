#include "delivery/accept.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <string>

namespace imgpipe::delivery {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The q of one media range's parameters ("q=0.8"); 1 when absent, 0 when unparsable (a
// malformed entry must not turn a format on).
double quality(std::string_view params) {
    while (!params.empty()) {
        const size_t semi = params.find(';');
        std::string_view param = trim(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
        if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            std::string value(param.substr(2));
            char* end = nullptr;
            const double q = std::strtod(value.c_str(), &end);
            return end == value.c_str() + value.size() && q >= 0 && q <= 1 ? q : 0;
        }
    }
    return 1;
}

}  // namespace

AcceptClass reduce_accept(std::string_view accept) {
    bool avif = false;
    bool webp = false;
    while (!accept.empty()) {
        const size_t comma = accept.find(',');
        std::string_view range = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        const size_t semi = range.find(';');
        const std::string type = lower(trim(range.substr(0, semi)));
        const double q = semi == std::string_view::npos ? 1 : quality(range.substr(semi + 1));
        if (q <= 0) continue;
        avif = avif || type == "image/avif";
        webp = webp || type == "image/webp";
    }
    return avif ? AcceptClass::kAvif : webp ? AcceptClass::kWebp : AcceptClass::kBaseline;
}

std::optional<size_t> choose_format(AcceptClass accepts,
                                    const std::vector<imaging::ImageFormat>& available) {
    using F = imaging::ImageFormat;
    // GIF (animated variants) goes before the formats a client did not name: every browser
    // shows it, and a client that names WebP gets the (smaller) animated WebP first.
    static constexpr std::array<F, 5> kAvif = {F::kAvif, F::kWebp, F::kJpeg, F::kPng, F::kGif};
    static constexpr std::array<F, 5> kWebp = {F::kWebp, F::kJpeg, F::kPng, F::kGif, F::kAvif};
    static constexpr std::array<F, 5> kBaseline = {F::kJpeg, F::kPng, F::kGif, F::kWebp, F::kAvif};
    const auto& order = accepts == AcceptClass::kAvif   ? kAvif
                        : accepts == AcceptClass::kWebp ? kWebp
                                                        : kBaseline;
    for (F format : order) {
        auto it = std::find(available.begin(), available.end(), format);
        if (it != available.end()) return static_cast<size_t>(it - available.begin());
    }
    if (available.empty()) return std::nullopt;
    return 0;
}

}  // namespace imgpipe::delivery
