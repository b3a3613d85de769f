#include "imaging/resize_spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

namespace imgpipe::imaging {
namespace {

constexpr std::string_view kReason = "InvalidResizeSpec";
constexpr size_t kMaxNameLength = 64;

Status spec_error(std::string message) {
    return invalid_argument(std::string(kReason), std::move(message));
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Strict decimal integer: digits only, no sign, no overflow.
bool parse_int(std::string_view s, int& out) {
    if (s.empty() || s.size() > 9 || s[0] < '0' || s[0] > '9') return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_fit(std::string_view s, Fit& out) {
    const std::string l = lower(s);
    if (l == "cover")
        out = Fit::kCover;
    else if (l == "contain")
        out = Fit::kContain;
    else if (l == "inside")
        out = Fit::kInside;
    else if (l == "fill")
        out = Fit::kFill;
    else
        return false;
    return true;
}

bool parse_gravity(std::string_view s, Gravity& out) {
    const std::string l = lower(s);
    if (l == "centre" || l == "center")
        out = Gravity::kCentre;
    else if (l == "attention")
        out = Gravity::kAttention;
    else if (l == "entropy")
        out = Gravity::kEntropy;
    else
        return false;
    return true;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "#rrggbb" or "#rgb".
bool parse_colour(std::string_view s, Rgb& out) {
    if (s.empty() || s[0] != '#') return false;
    s.remove_prefix(1);
    for (char c : s) {
        if (hex_digit(c) < 0) return false;
    }
    if (s.size() == 6) {
        out = {static_cast<uint8_t>(hex_digit(s[0]) * 16 + hex_digit(s[1])),
               static_cast<uint8_t>(hex_digit(s[2]) * 16 + hex_digit(s[3])),
               static_cast<uint8_t>(hex_digit(s[4]) * 16 + hex_digit(s[5]))};
        return true;
    }
    if (s.size() == 3) {
        out = {static_cast<uint8_t>(hex_digit(s[0]) * 17),
               static_cast<uint8_t>(hex_digit(s[1]) * 17),
               static_cast<uint8_t>(hex_digit(s[2]) * 17)};
        return true;
    }
    return false;
}

std::string colour_string(Rgb c) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s = "#";
    for (uint8_t v : {c.r, c.g, c.b}) {
        s += kHex[v >> 4];
        s += kHex[v & 15];
    }
    return s;
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength || name == "." || name == "..") {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
    });
}

Result<VariantSpec> variant_from_json(const nlohmann::json& j, size_t index) {
    const std::string where = "variants[" + std::to_string(index) + "]";
    if (!j.is_object()) return spec_error(where + " must be an object");
    VariantSpec v;
    bool has_width = false;
    bool has_height = false;
    for (const auto& item : j.items()) {
        // (Not a structured binding: clang 14, used for the fuzz build, cannot capture those.)
        const std::string& key = item.key();
        const nlohmann::json& value = item.value();
        const std::string field = where + "." + key;
        auto need_int = [&](int& out, int lo, int hi) -> Status {
            if (!value.is_number_integer()) return spec_error(field + " must be an integer");
            const auto n = value.get<long long>();
            if (n < lo || n > hi) {
                return spec_error(field + " must be between " + std::to_string(lo) + " and " +
                                  std::to_string(hi) + ", got " + std::to_string(n));
            }
            out = static_cast<int>(n);
            return Status::ok();
        };
        auto need_bool = [&](bool& out) -> Status {
            if (!value.is_boolean()) return spec_error(field + " must be true or false");
            out = value.get<bool>();
            return Status::ok();
        };
        if (key == "width") {
            // Range is checked by validate() so the message names the configured limit.
            IMGPIPE_RETURN_IF_ERROR(need_int(v.width, 0, 1'000'000));
            has_width = true;
        } else if (key == "height") {
            IMGPIPE_RETURN_IF_ERROR(need_int(v.height, 0, 1'000'000));
            has_height = true;
        } else if (key == "quality") {
            IMGPIPE_RETURN_IF_ERROR(need_int(v.quality, 1, 100));
        } else if (key == "progressive") {
            IMGPIPE_RETURN_IF_ERROR(need_bool(v.progressive));
        } else if (key == "enlarge") {
            IMGPIPE_RETURN_IF_ERROR(need_bool(v.enlarge));
        } else if (!value.is_string()) {
            if (key == "name" || key == "fit" || key == "gravity" || key == "format" ||
                key == "background") {
                return spec_error(field + " must be a string");
            }
            return spec_error(field + " is not a known variant field");
        } else {
            const auto s = value.get<std::string>();
            if (key == "name") {
                v.name = s;
            } else if (key == "fit") {
                if (!parse_fit(s, v.fit)) {
                    return spec_error(field + " must be cover, contain, inside or fill, got \"" +
                                      s + "\"");
                }
            } else if (key == "gravity") {
                if (!parse_gravity(s, v.gravity)) {
                    return spec_error(field + " must be centre, attention or entropy, got \"" + s +
                                      "\"");
                }
            } else if (key == "format") {
                auto format = parse_output_format(s);
                if (!format) {
                    return spec_error(field + " must be jpeg, png, webp, avif or gif, got \"" + s +
                                      "\"");
                }
                v.format = *format;
            } else if (key == "background") {
                if (!parse_colour(s, v.background)) {
                    return spec_error(field + " must be a colour like \"#ffffff\", got \"" + s +
                                      "\"");
                }
            } else {
                return spec_error(field + " is not a known variant field");
            }
        }
    }
    if (!has_width || !has_height) return spec_error(where + " needs width and height");
    return v;
}

}  // namespace

ResizeSpec default_resize_spec() {
    ResizeSpec spec;
    for (int side : {400, 200, 100}) {
        VariantSpec v;
        v.width = side;
        v.height = side;
        v.name = std::to_string(side) + "x" + std::to_string(side);
        spec.variants.push_back(v);
    }
    return spec;
}

std::string_view fit_name(Fit fit) {
    switch (fit) {
        case Fit::kCover:
            return "cover";
        case Fit::kContain:
            return "contain";
        case Fit::kInside:
            return "inside";
        case Fit::kFill:
            return "fill";
    }
    return "cover";
}

std::string_view gravity_name(Gravity gravity) {
    switch (gravity) {
        case Gravity::kCentre:
            return "centre";
        case Gravity::kAttention:
            return "attention";
        case Gravity::kEntropy:
            return "entropy";
    }
    return "centre";
}

Result<VariantSpec> parse_variant_spec(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    VariantSpec v;
    size_t colon = text.find(':');
    std::string_view size = text.substr(0, colon);
    size_t x = size.find_first_of("xX");
    if (x == std::string_view::npos || !parse_int(size.substr(0, x), v.width) ||
        !parse_int(size.substr(x + 1), v.height)) {
        return spec_error("variant " + quoted + " must start with WIDTHxHEIGHT, e.g. 400x400");
    }
    while (colon != std::string_view::npos) {
        text.remove_prefix(colon + 1);
        colon = text.find(':');
        const std::string_view token = text.substr(0, colon);
        const std::string l = lower(token);
        int quality = 0;
        // Each parser sets its field of v when the token is its kind (a colour starts with '#',
        // which no other token does).
        if (parse_fit(token, v.fit) || parse_gravity(token, v.gravity) ||
            parse_colour(token, v.background)) {
            continue;
        } else if (auto format = parse_output_format(token)) {
            v.format = *format;
        } else if (l.size() > 1 && l[0] == 'q' &&
                   parse_int(std::string_view(l).substr(1), quality)) {
            if (quality < 1 || quality > 100) {
                return spec_error("quality in variant " + quoted + " must be q1..q100");
            }
            v.quality = quality;
        } else if (l == "progressive") {
            v.progressive = true;
        } else if (l == "enlarge") {
            v.enlarge = true;
        } else if (token.substr(0, 5) == "name=") {
            v.name = std::string(token.substr(5));
        } else {
            return spec_error("unknown token \"" + std::string(token) + "\" in variant " + quoted +
                              " (expected a fit, gravity, format, qN, progressive, enlarge, "
                              "#rrggbb or name=NAME)");
        }
    }
    return v;
}

Result<ResizeSpec> parse_resize_spec(const std::vector<std::string>& texts,
                                     const SpecLimits& limits) {
    ResizeSpec spec;
    for (const auto& text : texts) {
        IMGPIPE_ASSIGN_OR_RETURN(auto v, parse_variant_spec(text));
        spec.variants.push_back(std::move(v));
    }
    IMGPIPE_RETURN_IF_ERROR(validate(spec, limits));
    return spec;
}

Result<ResizeSpec> parse_resize_spec_json(const nlohmann::json& json, const SpecLimits& limits) {
    const nlohmann::json* array = &json;
    if (json.is_object()) {
        for (const auto& [key, value] : json.items()) {
            if (key != "variants") return spec_error("unknown field \"" + key + "\"");
        }
        if (!json.contains("variants")) return spec_error("missing \"variants\"");
        array = &json["variants"];
    }
    if (!array->is_array()) return spec_error("\"variants\" must be an array");
    if (array->size() > static_cast<size_t>(limits.max_variants)) {
        return spec_error("at most " + std::to_string(limits.max_variants) +
                          " variants are allowed, got " + std::to_string(array->size()));
    }
    ResizeSpec spec;
    for (size_t i = 0; i < array->size(); ++i) {
        IMGPIPE_ASSIGN_OR_RETURN(auto v, variant_from_json((*array)[i], i));
        spec.variants.push_back(std::move(v));
    }
    IMGPIPE_RETURN_IF_ERROR(validate(spec, limits));
    return spec;
}

Result<ResizeSpec> parse_resize_spec_json_text(std::string_view json_text,
                                               const SpecLimits& limits) {
    auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return spec_error("variants are not valid JSON");
    return parse_resize_spec_json(json, limits);
}

Status validate(ResizeSpec& spec, const SpecLimits& limits) {
    if (spec.variants.empty()) return spec_error("at least one variant is required");
    if (spec.variants.size() > static_cast<size_t>(limits.max_variants)) {
        return spec_error("at most " + std::to_string(limits.max_variants) +
                          " variants are allowed, got " + std::to_string(spec.variants.size()));
    }
    std::set<std::string> names;
    std::set<std::string> formats_of_boxes;  // "WxH.format" of every variant so far
    for (auto& v : spec.variants) {
        const std::string box = std::to_string(v.width) + "x" + std::to_string(v.height);
        if (v.width < 1 || v.width > limits.max_side || v.height < 1 ||
            v.height > limits.max_side) {
            return spec_error("variant " + box + ": width and height must be 1.." +
                              std::to_string(limits.max_side) + " px");
        }
        if (v.quality < 1 || v.quality > 100) {
            return spec_error("variant " + box + ": quality must be 1..100");
        }
        if (!is_output_format(v.format)) {
            return spec_error("variant " + box +
                              ": output format must be jpeg, png, webp, avif or gif");
        }
        // A second box of the same size in another format is the same variant in that format:
        // "400x400.webp", which the delivery endpoint offers by content negotiation.
        const std::string box_format = box + "." + std::string(format_name(v.format));
        if (v.name.empty()) {
            // (The same box in the same format twice stays a duplicate.)
            v.name = names.count(box) && !formats_of_boxes.count(box_format) ? box_format : box;
        }
        formats_of_boxes.insert(box_format);
        if (!valid_name(v.name)) {
            return spec_error("variant name \"" + v.name +
                              "\" must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (!names.insert(v.name).second) {
            return spec_error("variant name \"" + v.name + "\" is used twice");
        }
    }
    return Status::ok();
}

std::string to_string(const VariantSpec& v) {
    std::string s = std::to_string(v.width) + "x" + std::to_string(v.height) + ":" +
                    std::string(fit_name(v.fit));
    if (v.fit == Fit::kCover) s += ":" + std::string(gravity_name(v.gravity));
    s += ":" + std::string(format_name(v.format)) + ":q" + std::to_string(v.quality);
    if (v.progressive) s += ":progressive";
    if (v.enlarge) s += ":enlarge";
    if (v.background != Rgb{}) s += ":" + colour_string(v.background);
    if (!v.name.empty()) s += ":name=" + v.name;
    return s;
}

}  // namespace imgpipe::imaging
