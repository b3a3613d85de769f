#pragma once
// CorsPolicy: Cross-Origin Resource Sharing for the upload API, so a page on another origin can
// call it with fetch(). Allowed origins are configured ("*" allows any). Simple and actual
// requests get Access-Control-Allow-Origin (plus `Vary: Origin` when it echoes a listed origin);
// preflights (OPTIONS with Access-Control-Request-Method) get the allowed methods, the
// requested headers and a Max-Age. Immutable after construction; thread-safe.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace imgpipe::api {

class CorsPolicy {
  public:
    explicit CorsPolicy(std::vector<std::string> allowed_origins,
                        std::chrono::seconds max_age = std::chrono::hours(1));

    // The Access-Control-Allow-Origin value for `origin`, or "" when not allowed.
    std::string allow_origin(std::string_view origin) const;

    // Adds the CORS headers an actual response needs (nothing without an allowed Origin).
    void apply(const http::Request& request, http::Response& response) const;

    // The answer to `OPTIONS` on a route that allows `methods` ("POST, OPTIONS"): 204 with the
    // CORS preflight headers; 403 (JSON error CorsNotAllowed) for a preflight from an origin
    // that is not allowed; 204 with just `Allow` for a plain OPTIONS without Origin.
    http::Response preflight(const http::Request& request, std::string_view methods) const;

  private:
    std::vector<std::string> origins_;
    bool any_ = false;
    std::chrono::seconds max_age_;
};

}  // namespace imgpipe::api
