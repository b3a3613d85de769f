#include "api/upload_request.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "api/filename.h"

namespace imgpipe::api {
namespace {

using nlohmann::json;

// Deeper JSON is never a valid request; checked before parsing so that no input makes the parser
// build a deep tree.
constexpr int kMaxJsonDepth = 16;
// AWS limits all user metadata of an object to 2 KB.
constexpr size_t kMaxMetadataBytes = 2048;

Status bad(std::string reason, std::string message) {
    return invalid_argument(std::move(reason), std::move(message));
}

bool too_deep(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth) return true;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return false;
}

Status parse_content_type(const json& body, const std::string& ext, UploadRequest& out) {
    if (!body.contains("contentType") || body["contentType"].is_null()) {
        out.content_type = std::string(*content_type_for_extension(ext));
        return Status::ok();
    }
    if (!body["contentType"].is_string()) {
        return bad("InvalidRequest", "contentType must be a string");
    }
    // Media types are case-insensitive; the policy pins the lower-case form.
    std::string type = body["contentType"].get<std::string>();
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_accepted_content_type(type)) {
        return bad("UnsupportedMediaType",
                   "contentType must be one of image/jpeg, image/png, image/webp, image/gif, "
                   "image/tiff, image/heic, image/heif, image/avif");
    }
    if (!content_type_matches_extension(type, ext)) {
        return bad("ContentTypeMismatch",
                   "contentType " + type + " does not match the extension ." + ext);
    }
    out.content_type = std::move(type);
    return Status::ok();
}

Status parse_size(const json& body, const UploadLimits& limits, UploadRequest& out) {
    if (!body.contains("size") || body["size"].is_null()) return Status::ok();
    const json& v = body["size"];
    if (!v.is_number_integer()) return bad("InvalidSize", "size must be an integer (bytes)");
    // nlohmann parses non-negative integers as unsigned, negative ones as signed.
    uint64_t size = v.is_number_unsigned() ? v.get<uint64_t>() : 0;
    if (size < 1) return bad("InvalidSize", "size must be at least 1 byte");
    if (size > limits.max_upload_bytes) {
        return Status(StatusCode::kResourceExhausted, "EntityTooLarge",
                      "size " + std::to_string(size) + " is over the limit of " +
                          std::to_string(limits.max_upload_bytes) + " bytes");
    }
    out.size = size;
    return Status::ok();
}

// Fills `out.variants` and `out.variants_metadata` from `variants` or seed-style width/height.
Status parse_variants(const json& body, const UploadLimits& limits, UploadRequest& out) {
    const bool seed_style = body.contains("width") || body.contains("height");
    json list;
    if (body.contains("variants")) {
        if (seed_style) {
            return bad("InvalidVariants", "give either width/height or variants, not both");
        }
        list = body["variants"];
        if (!list.is_array()) return bad("InvalidVariants", "variants must be an array");
        if (list.size() > static_cast<size_t>(limits.max_variants)) {
            return bad("InvalidVariants",
                       "at most " + std::to_string(limits.max_variants) + " variants are allowed");
        }
    } else if (seed_style) {
        // The seed's request: one variant of this size.
        json v = json::object();
        for (const char* side : {"width", "height"}) {
            if (!body.contains(side)) {
                return bad("InvalidVariants", "width and height must be given together");
            }
            v[side] = body[side];
        }
        list = json::array({v});
    } else {
        return Status::ok();
    }
    imaging::SpecLimits spec_limits;
    spec_limits.max_variants = limits.max_variants;
    spec_limits.max_side = limits.max_dimension;
    auto spec = imaging::parse_resize_spec_json(list, spec_limits);
    if (!spec) return bad("InvalidVariants", spec.status().message());
    out.variants = std::move(*spec);
    out.variants_metadata = list.dump();
    if (out.variants_metadata.size() > kMaxMetadataBytes) {
        return bad("InvalidVariants", "the variants take more than 2 KB as object metadata");
    }
    return Status::ok();
}

}  // namespace

Result<UploadRequest> parse_upload_request(std::string_view body, const UploadLimits& limits) {
    if (too_deep(body)) return bad("InvalidJson", "the request body is nested too deeply");
    json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return bad("InvalidJson", "the request body is not valid JSON");
    if (!doc.is_object()) return bad("InvalidRequest", "the request body must be a JSON object");

    if (!doc.contains("filename")) return bad("InvalidRequest", "filename is required");
    if (!doc["filename"].is_string()) return bad("InvalidRequest", "filename must be a string");

    UploadRequest out;
    IMGPIPE_ASSIGN_OR_RETURN(out.filename,
                             sanitise_filename(doc["filename"].get_ref<const std::string&>()));
    IMGPIPE_RETURN_IF_ERROR(parse_content_type(doc, extension_of(out.filename), out));
    IMGPIPE_RETURN_IF_ERROR(parse_size(doc, limits, out));
    IMGPIPE_RETURN_IF_ERROR(parse_variants(doc, limits, out));
    return out;
}

}  // namespace imgpipe::api
