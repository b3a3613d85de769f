#pragma once
// UploadApi: the upload endpoints of the `api` role (DESIGN.md §4).
//
//   POST /upload-image, POST /v1/uploads   JSON body → presigned POST (see presigned_post.h)
//   OPTIONS on both                        CORS preflight
//   any other method on both               405 JSON error with Allow
//   GET /healthz                           200 {"status":"ok"} (the process is up)
//
// Before any body byte is read, the upload routes' gate (admit_upload, run by the server on the
// I/O thread) applies the rate limit (per remote address) and refuses a declared body over
// max_request_bytes; the routes also declare that cap to the server, which enforces it on
// chunked bodies while reading. So a client over its rate or sending a huge body costs neither a
// body read nor an allocation. The handlers are thin: read the (bounded) body, then the plain
// functions parse_upload_request → new_upload_id → build_presigned_post. Every answer carries
// the CORS headers. Bad input gets a 4xx JSON error, never a 5xx. The upload routes are kInline
// (CPU only: no I/O beyond the already-read body). src/app builds one UploadApi from the
// configuration and adds its routes to the API router. Thread-safe after construction.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/cors.h"
#include "api/presigned_post.h"
#include "api/rate_limiter.h"
#include "core/clock.h"
#include "http/router.h"

namespace imgpipe::api {

// The paths clients POST to for an upload policy (the seed's, then the versioned one).
inline constexpr std::array<std::string_view, 2> kUploadPaths = {"/upload-image", "/v1/uploads"};

struct UploadApiOptions {
    std::string bucket = "uploads";
    std::string bucket_url;  // public URL of the bucket: "http://127.0.0.1:9000/uploads"
    std::string region = "us-east-1";
    std::string access_key;  // credentials the policy is signed with
    std::string secret_key;
    std::chrono::seconds expiry{15 * 60};
    uint64_t max_upload_bytes = 25ull << 20;
    int max_variants = 8;
    int max_dimension = 4096;
    size_t max_request_bytes = 16 * 1024;  // JSON body; larger → 413 RequestTooLarge
    std::vector<std::string> cors_origins = {"*"};
    double rate_per_second = 50;  // per client (remote address)
    int rate_burst = 100;
    std::string status_url_prefix = "/images/";
};

class UploadApi {
  public:
    // `clock` outlives the UploadApi (and the router its routes are added to).
    UploadApi(UploadApiOptions options, const Clock& clock);

    // Adds the routes listed above. The UploadApi must outlive `router`.
    void add_routes(http::Router& router) const;

    // The upload routes' gate: a 429 (rate limit, with Retry-After) or 413 (declared body over
    // max_request_bytes) response, or nullopt to read the body and call handle_upload. Each call
    // spends a rate-limit token of the request's remote address.
    std::optional<http::Response> admit_upload(const http::Request& request) const;

    // The handlers, callable without a server. handle_upload does not rate-limit (the gate did).
    http::Response handle_upload(http::Request& request) const;
    http::Response handle_preflight(http::Request& request) const;
    http::Response handle_wrong_method(http::Request& request) const;
    http::Response handle_health(http::Request& request) const;

  private:
    http::Response presign(http::Request& request) const;
    http::Response too_large() const;

    UploadApiOptions options_;
    PresignOptions presign_options_;
    sigv4::SigningKeyCache signing_keys_;  // one derivation a day instead of one per presign
    UploadLimits limits_;
    const Clock& clock_;
    CorsPolicy cors_;
    mutable RateLimiter rate_limiter_;
};

}  // namespace imgpipe::api
