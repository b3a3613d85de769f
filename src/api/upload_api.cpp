#include "api/upload_api.h"

#include <array>
#include <string_view>

#include "api/api_error.h"
#include "api/upload_id.h"
#include "api/upload_request.h"

namespace imgpipe::api {
namespace {

constexpr std::string_view kUploadMethods = "POST, OPTIONS";

PresignOptions presign_options(const UploadApiOptions& o) {
    PresignOptions p;
    p.bucket = o.bucket;
    p.bucket_url = o.bucket_url;
    p.region = o.region;
    p.access_key = o.access_key;
    p.secret_key = o.secret_key;
    p.expiry = o.expiry;
    p.max_upload_bytes = o.max_upload_bytes;
    p.status_url_prefix = o.status_url_prefix;
    return p;
}

RateLimitOptions rate_options(const UploadApiOptions& o) {
    RateLimitOptions r;
    r.rate_per_second = o.rate_per_second;
    r.burst = o.rate_burst;
    return r;
}

}  // namespace

UploadApi::UploadApi(UploadApiOptions options, const Clock& clock)
    : options_(std::move(options)),
      presign_options_(presign_options(options_)),
      limits_{options_.max_upload_bytes, options_.max_variants, options_.max_dimension},
      clock_(clock),
      cors_(options_.cors_origins),
      rate_limiter_(rate_options(options_), clock) {}

void UploadApi::add_routes(http::Router& router) const {
    using http::Execution;
    for (std::string_view path : kUploadPaths) {
        router.add(
            "POST", std::string(path), [this](http::Request& r) { return handle_upload(r); },
            http::RouteOptions{
                .execution = Execution::kInline,
                .gate = [this](const http::Request& r) { return admit_upload(r); },
                .max_body = options_.max_request_bytes,
            });
        router.add(
            "OPTIONS", std::string(path), [this](http::Request& r) { return handle_preflight(r); },
            Execution::kInline);
        // Registered last: the router takes the first route that matches.
        router.add(
            "", std::string(path), [this](http::Request& r) { return handle_wrong_method(r); },
            Execution::kInline);
    }
    router.add(
        "GET", "/healthz", [this](http::Request& r) { return handle_health(r); },
        Execution::kInline);
}

http::Response UploadApi::handle_upload(http::Request& request) const {
    http::Response r = presign(request);
    r.headers.set("Cache-Control", "no-store");
    cors_.apply(request, r);
    return r;
}

std::optional<http::Response> UploadApi::admit_upload(const http::Request& request) const {
    std::optional<http::Response> refused;
    if (auto decision = rate_limiter_.acquire(request.remote_address); !decision.allowed) {
        refused = error_response(Status(StatusCode::kResourceExhausted, "TooManyRequests",
                                        "too many upload requests; retry after " +
                                            std::to_string(decision.retry_after.count()) + " s"));
        refused->headers.set("Retry-After", std::to_string(decision.retry_after.count()));
    } else if (request.content_length && *request.content_length > options_.max_request_bytes) {
        // Refused before reading, so a client sending Expect: 100-continue never sends the body.
        refused = too_large();
    }
    if (refused) {
        refused->headers.set("Cache-Control", "no-store");
        cors_.apply(request, *refused);
    }
    return refused;
}

http::Response UploadApi::too_large() const {
    http::Response r =
        error_response(Status(StatusCode::kResourceExhausted, "RequestTooLarge",
                              "the request body is larger than " +
                                  std::to_string(options_.max_request_bytes) + " bytes"));
    r.close = true;
    return r;
}

http::Response UploadApi::presign(http::Request& request) const {
    // The gate refused a declared length over the limit already; this covers direct calls and
    // bodies without a declared length.
    if (request.content_length && *request.content_length > options_.max_request_bytes) {
        return too_large();
    }
    Result<std::string> body = request.body ? read_all(*request.body, options_.max_request_bytes)
                                            : Result<std::string>(std::string());
    if (!body) {
        if (body.status().reason() == "TooLarge") return too_large();
        http::Response r = error_response(body.status(), request.request_id);
        r.close = true;
        return r;
    }
    auto upload = parse_upload_request(*body, limits_);
    if (!upload) return error_response(upload.status(), request.request_id);
    auto id = new_upload_id();
    if (!id) return error_response(id.status(), request.request_id);
    PresignedPost post =
        build_presigned_post(presign_options_, *upload, *id, clock_.now(), &signing_keys_);
    return http::Response::json(200, presigned_post_json(post));
}

http::Response UploadApi::handle_preflight(http::Request& request) const {
    return cors_.preflight(request, kUploadMethods);
}

http::Response UploadApi::handle_wrong_method(http::Request& request) const {
    http::Response r =
        error_response(Status(StatusCode::kInvalidArgument, "MethodNotAllowed",
                              request.method + " is not allowed here; use POST with a JSON body"));
    r.headers.set("Allow", std::string(kUploadMethods));
    cors_.apply(request, r);
    return r;
}

http::Response UploadApi::handle_health(http::Request&) const {
    http::Response r = http::Response::json(200, R"({"status":"ok"})");
    r.headers.set("Cache-Control", "no-store");
    return r;
}

}  // namespace imgpipe::api
