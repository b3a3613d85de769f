#pragma once
// UploadRequest: the validated body of `POST /upload-image` (and `/v1/uploads`).
//
// The body is JSON: `filename` (required), optional `contentType`, `size`, seed-style
// `width`/`height` (one variant) or `variants: [{"width","height","fit","format","quality"}]`.
// Unknown top-level members are ignored (older and newer clients keep working). Variants are
// validated by the image engine's own parser (imaging::parse_resize_spec_json), so the API
// accepts exactly what the worker can make: unknown variant members are rejected there (a typo
// must not silently resize to the default). Every failure is a Status whose reason is the public
// error code and whose message is public text (see api_error.h). Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "imaging/resize_spec.h"

namespace imgpipe::api {

struct UploadLimits {
    uint64_t max_upload_bytes = 25ull << 20;
    int max_variants = 8;
    int max_dimension = 4096;  // per side, pixels
};

struct UploadRequest {
    std::string filename;      // sanitised: the last segment of the key
    std::string content_type;  // accepted, agrees with the extension
    std::optional<uint64_t> size;
    // Validated variants; empty: the worker's configured defaults.
    imaging::ResizeSpec variants;
    // The `x-amz-meta-variants` value when variants were requested: the client's variant
    // objects as compact JSON (what parse_resize_spec_json accepts), e.g.
    // [{"width":640,"height":480,"fit":"cover","format":"webp"}]. Empty when none.
    std::string variants_metadata;
};

// Parses and validates a request body. Reasons: InvalidJson, InvalidRequest (wrong member
// types, missing filename), InvalidFilename, UnsupportedMediaType, ContentTypeMismatch,
// InvalidSize, EntityTooLarge (size over the limit), InvalidVariants.
Result<UploadRequest> parse_upload_request(std::string_view body, const UploadLimits& limits);

}  // namespace imgpipe::api
