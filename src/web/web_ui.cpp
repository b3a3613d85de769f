#include "web/web_ui.h"

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "web/web_assets.h"

namespace imgpipe::web {
namespace {

std::string_view content_type_of(std::string_view path) {
    auto ends_with = [&](std::string_view ext) { return path.ends_with(ext); };
    if (ends_with(".html")) return "text/html; charset=utf-8";
    if (ends_with(".js")) return "text/javascript; charset=utf-8";
    if (ends_with(".css")) return "text/css; charset=utf-8";
    if (ends_with(".png")) return "image/png";
    if (ends_with(".svg")) return "image/svg+xml";
    return "application/octet-stream";
}

// Changes whenever the embedded bytes do; std::hash of a string_view is deterministic within a
// build, which is all a validator for files compiled into that build needs.
std::string etag_of(std::string_view body) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "\"%zx-%zx\"", std::hash<std::string_view>{}(body), body.size());
    return buf;
}

std::string build_csp(std::string_view s3_origin) {
    std::string extra = s3_origin.empty() ? "" : " " + std::string(s3_origin);
    return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'" + extra +
           "; connect-src 'self'" + extra +
           "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

}  // namespace

std::string origin_of(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return "";
    auto path = url.find_first_of("/?#", scheme_end + 3);
    return std::string(url.substr(0, path));
}

WebUi::WebUi(WebUiOptions options) : csp_(build_csp(origin_of(options.s3_public_url))) {
    for (const Asset& a : assets()) {
        std::string path = a.path == "/index.html" ? "/" : "/ui" + std::string(a.path);
        files_.push_back({std::move(path), content_type_of(a.path), a.body, etag_of(a.body)});
    }
    config_json_ = nlohmann::json{{"maxUploadBytes", options.max_upload_bytes}}.dump();
}

void WebUi::add_routes(http::Router& router) const {
    using http::Execution;
    // Before "/ui/{file}", which would take it otherwise.
    router.add(
        "GET", "/ui/config.json", [this](http::Request& r) { return handle_config(r); },
        Execution::kInline);
    router.add(
        "GET", "/", [this](http::Request& r) { return handle_file(r); }, Execution::kInline);
    router.add(
        "GET", "/ui/{file}", [this](http::Request& r) { return handle_file(r); },
        Execution::kInline);
}

http::Response WebUi::handle_file(const http::Request& request) const {
    for (const File& f : files_) {
        if (f.path != request.path) continue;
        http::Response r;
        if (request.headers.get_or("If-None-Match", "") == f.etag) {
            r.status = 304;
        } else {
            r = http::Response::text(200, std::string(f.body), std::string(f.content_type));
        }
        r.headers.set("ETag", f.etag);
        r.headers.set("Cache-Control", "no-cache");
        return with_headers(std::move(r));
    }
    return with_headers(http::Response::json_error(404, "NoSuchFile", "the page has no such file"));
}

http::Response WebUi::handle_config(const http::Request&) const {
    http::Response r = http::Response::json(200, config_json_);
    r.headers.set("Cache-Control", "no-store");
    return with_headers(std::move(r));
}

http::Response WebUi::with_headers(http::Response r) const {
    r.headers.set("Content-Security-Policy", csp_);
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set("Referrer-Policy", "no-referrer");
    return r;
}

}  // namespace imgpipe::web
