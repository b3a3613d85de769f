#pragma once
// ResizeSpec: what variants to make from one image — each a box (width x height), a fit mode, an
// output format and encoder settings. Parsed from the configuration / CLI ("400x400",
// "200x200:inside:webp", "640x480:cover:attention:avif:q60") and from the client's JSON request
// (DESIGN.md §4: `variants: [{"width":640,"height":480,"fit":"cover","format":"webp"}]`), and
// validated in one place so every entry point enforces the same limits. Pure values and
// functions; thread-safe.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "imaging/image_format.h"

namespace imgpipe::imaging {

// How the image is fitted into the variant's box.
enum class Fit {
    kCover,    // fill the box, cropping the overflow (at `gravity`)
    kContain,  // whole image inside the box, letterboxed on `background`; output is the box
    kInside,   // whole image inside the box, keeping its aspect ratio; output may be smaller
    kFill,     // stretched to exactly the box
};

// Where a cover crop keeps the image.
enum class Gravity {
    kCentre,
    kAttention,  // libvips' smart crop: skin tones, saturated colours, edges
    kEntropy,    // the window with the most information
};

struct Rgb {
    uint8_t r = 255;
    uint8_t g = 255;
    uint8_t b = 255;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

struct VariantSpec {
    std::string name;  // defaults to "<width>x<height>"; used as the output key prefix
    int width = 0;
    int height = 0;
    Fit fit = Fit::kCover;
    Gravity gravity = Gravity::kCentre;
    ImageFormat format = ImageFormat::kJpeg;
    int quality = 80;          // 1..100, for JPEG, WebP and AVIF
    bool progressive = false;  // progressive (interlaced) JPEG / PNG
    bool enlarge = false;      // allow output larger than the source
    Rgb background;            // contain's letterbox and the colour alpha is flattened onto
    friend bool operator==(const VariantSpec&, const VariantSpec&) = default;
};

struct ResizeSpec {
    std::vector<VariantSpec> variants;
    friend bool operator==(const ResizeSpec&, const ResizeSpec&) = default;
};

// Bounds enforced by validate(); DESIGN.md §4 defaults.
struct SpecLimits {
    int max_variants = 8;
    int max_side = 4096;
};

// The configured default: 400x400, 200x200, 100x100 cover JPEG q80.
ResizeSpec default_resize_spec();

std::string_view fit_name(Fit fit);
std::string_view gravity_name(Gravity gravity);

// Parses one variant from "WxH[:token...]" where each token is a fit (cover|contain|inside|
// fill), a gravity (centre|center|attention|entropy), a format (jpeg|jpg|png|webp|avif|gif), "qN"
// (quality), "progressive", "enlarge", "#rrggbb" (background) or "name=NAME", in any order.
// kInvalidArgument (reason "InvalidResizeSpec") with a message naming the bad token.
Result<VariantSpec> parse_variant_spec(std::string_view text);

// Parses and validates several "WxH..." strings.
Result<ResizeSpec> parse_resize_spec(const std::vector<std::string>& texts,
                                     const SpecLimits& limits = {});

// Parses `{"variants": [...]}` or a bare array of variant objects with the fields width,
// height (required), name, fit, gravity, format, quality, progressive, enlarge, background
// ("#rrggbb"). Unknown fields are errors (a typo must not silently give defaults). Validates.
// kInvalidArgument (reason "InvalidResizeSpec") on any problem.
Result<ResizeSpec> parse_resize_spec_json(const nlohmann::json& json,
                                          const SpecLimits& limits = {});
// As above from JSON text; a syntax error is kInvalidArgument too.
Result<ResizeSpec> parse_resize_spec_json_text(std::string_view json_text,
                                               const SpecLimits& limits = {});

// Checks 1..max_variants variants, 1..max_side px per side, quality 1..100, names of 1..64
// characters from [A-Za-z0-9._-] (not "." or "..") and unique. Fills empty names with "WxH".
// kInvalidArgument (reason "InvalidResizeSpec") with a clear message.
Status validate(ResizeSpec& spec, const SpecLimits& limits = {});

// The canonical string form accepted by parse_variant_spec (round-trips).
std::string to_string(const VariantSpec& variant);

}  // namespace imgpipe::imaging
