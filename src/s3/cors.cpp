#include "s3/cors.h"

#include <algorithm>
#include <array>
#include <optional>

#include "s3/errors.h"

namespace imgpipe::s3 {
namespace {

constexpr std::string_view kAllowedMethods = "GET, PUT, POST, DELETE, HEAD";
constexpr std::array<std::string_view, 5> kMethods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
// Headers a browser script may read from S3 responses: ETag is what lib-storage multipart
// uploads need; the rest are what S3 clients look at.
constexpr std::string_view kExposedHeaders =
    "ETag, x-amz-request-id, x-amz-id-2, x-amz-version-id, x-amz-delete-marker, "
    "x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-crc64nvme, "
    "x-amz-checksum-sha1, x-amz-checksum-sha256, Content-Length, Content-Range, Content-Type, "
    "Last-Modified, Location";
constexpr std::string_view kMaxAgeSeconds = "3000";

bool origin_allowed(const S3Options& options, std::string_view origin) {
    return std::any_of(options.cors_origins.begin(), options.cors_origins.end(),
                       [&](const std::string& o) { return o == "*" || o == origin; });
}

}  // namespace

http::Response cors_preflight(const S3Options& options, const http::Request& request) {
    auto origin = request.headers.get("Origin");
    auto method = request.headers.get("Access-Control-Request-Method");
    if (!origin || !method) {
        ErrorExtras extras{.message = "Insufficient information. Origin request header needed."};
        return error_response(Status(StatusCode::kInvalidArgument, "InvalidRequest",
                                     "OPTIONS without Origin/Access-Control-Request-Method"),
                              request.path, request.request_id, extras);
    }
    const bool method_ok = std::find(kMethods.begin(), kMethods.end(), *method) != kMethods.end();
    if (!origin_allowed(options, *origin) || !method_ok) {
        ErrorExtras extras{.message = "CORSResponse: This CORS request is not allowed."};
        return error_response(Status(StatusCode::kPermissionDenied, "AccessDenied",
                                     "CORS origin or method not allowed"),
                              request.path, request.request_id, extras);
    }
    http::Response response;
    response.status = 200;
    response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
    response.headers.set("Access-Control-Allow-Methods", std::string(kAllowedMethods));
    // Any request header may be sent: SDKs add amz-sdk-*, x-amz-checksum-* and friends.
    auto requested = request.headers.get("Access-Control-Request-Headers");
    if (requested && !requested->empty()) {
        response.headers.set("Access-Control-Allow-Headers", std::string(*requested));
    }
    response.headers.set("Access-Control-Expose-Headers", std::string(kExposedHeaders));
    response.headers.set("Access-Control-Max-Age", std::string(kMaxAgeSeconds));
    response.headers.set("Vary",
                         "Origin, Access-Control-Request-Headers, "
                         "Access-Control-Request-Method");
    return response;
}

void add_cors_headers(const S3Options& options, const http::Request& request,
                      http::Response& response) {
    auto origin = request.headers.get("Origin");
    if (!origin || !origin_allowed(options, *origin)) return;
    response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
    response.headers.set("Access-Control-Expose-Headers", std::string(kExposedHeaders));
    response.headers.set("Vary", "Origin");
}

}  // namespace imgpipe::s3
