#include "delivery/delivery_path.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace imgpipe::delivery {
namespace {

std::optional<int> parse_side(std::string_view text) {
    int value = 0;
    if (text.empty() || text.size() > 5 || text.front() < '1' || text.front() > '9') {
        return std::nullopt;
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<imaging::Fit> parse_fit(std::string_view text) {
    if (text == "cover") return imaging::Fit::kCover;
    if (text == "contain") return imaging::Fit::kContain;
    if (text == "inside") return imaging::Fit::kInside;
    if (text == "fill") return imaging::Fit::kFill;
    return std::nullopt;
}

}  // namespace

std::optional<DeliveryTarget> parse_target(std::string_view segment) {
    DeliveryTarget target;
    const size_t at = segment.find('@');
    target.name = std::string(segment.substr(0, at));
    if (target.name.empty()) return std::nullopt;
    if (at == std::string_view::npos) return target;
    target.etag = std::string(segment.substr(at + 1));
    const bool hex = std::all_of(target.etag.begin(), target.etag.end(),
                                 [](unsigned char c) { return std::isxdigit(c) != 0; });
    if (target.etag.empty() || !hex) return std::nullopt;
    std::transform(target.etag.begin(), target.etag.end(), target.etag.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return target;
}

std::optional<imaging::VariantSpec> parse_on_demand(std::string_view name,
                                                    const imaging::SpecLimits& limits) {
    imaging::VariantSpec spec;
    if (const size_t dot = name.rfind('.'); dot != std::string_view::npos) {
        auto format = imaging::parse_output_format(name.substr(dot + 1));
        if (!format) return std::nullopt;
        spec.format = *format;
        name = name.substr(0, dot);
    }
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
        auto fit = parse_fit(name.substr(colon + 1));
        if (!fit) return std::nullopt;
        spec.fit = *fit;
        name = name.substr(0, colon);
    }
    const size_t x = name.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    auto width = parse_side(name.substr(0, x));
    auto height = parse_side(name.substr(x + 1));
    if (!width || !height || *width > limits.max_side || *height > limits.max_side) {
        return std::nullopt;
    }
    spec.width = *width;
    spec.height = *height;
    spec.name = std::to_string(spec.width) + "x" + std::to_string(spec.height);
    if (spec.fit != imaging::Fit::kCover) spec.name += "-" + std::string(fit_name(spec.fit));
    if (spec.format != imaging::ImageFormat::kJpeg) {
        spec.name += "." + std::string(format_name(spec.format));
    }
    return spec;
}

}  // namespace imgpipe::delivery
