#pragma once
// WebUi: the upload page of the `api` role (DESIGN.md §9).
//
//   GET /                 the page (index.html)
//   GET /ui/{file}        its script, strings and style sheet
//   GET /ui/config.json   what the page needs from the configuration: {"maxUploadBytes": N}
//
// The files are compiled in (web_assets.h). Every answer has its Content-Type, `Cache-Control:
// no-cache` with an ETag (a browser revalidates and gets 304 until the binary changes), nosniff,
// and a Content-Security-Policy allowing only this origin, plus the S3 endpoint's origin for
// connections (the direct upload) and images (the variants). The page then talks to the upload
// and status APIs of the same listener and to the S3 endpoint. Handlers are kInline (memory
// only). Immutable after construction; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/router.h"

namespace imgpipe::web {

struct WebUiOptions {
    // The S3 endpoint's public URL ("http://127.0.0.1:9000"): the browser uploads to it and loads
    // variants from it, so the CSP names its origin.
    std::string s3_public_url;
    uint64_t max_upload_bytes = 25ull << 20;  // checked in the browser before asking to upload
};

class WebUi {
  public:
    explicit WebUi(WebUiOptions options);

    // Adds the routes listed above. The WebUi must outlive `router`.
    void add_routes(http::Router& router) const;

    // The answer for a page path ("/", "/ui/app.js"); 404 JSON error NoSuchFile for others.
    http::Response handle_file(const http::Request& request) const;
    http::Response handle_config(const http::Request& request) const;

    // The Content-Security-Policy header value every answer carries.
    const std::string& content_security_policy() const { return csp_; }

  private:
    struct File {
        std::string path;  // as requested: "/" or "/ui/app.js"
        std::string_view content_type;
        std::string_view body;
        std::string etag;
    };

    http::Response with_headers(http::Response r) const;

    std::vector<File> files_;
    std::string config_json_;
    std::string csp_;
};

// "scheme://host[:port]" of `url` (its path dropped); "" when `url` has no scheme.
std::string origin_of(std::string_view url);

}  // namespace imgpipe::web
