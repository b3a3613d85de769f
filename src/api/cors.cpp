#include "api/cors.h"

#include <algorithm>
#include <cctype>

#include "api/api_error.h"

namespace imgpipe::api {
namespace {

// Access-Control-Request-Headers is echoed back, so it must be a plain token list.
bool is_header_list(std::string_view s) {
    return s.size() <= 1024 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == ',' || c == ' ';
           });
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins, std::chrono::seconds max_age)
    : origins_(std::move(allowed_origins)), max_age_(max_age) {
    any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

std::string CorsPolicy::allow_origin(std::string_view origin) const {
    if (any_) return "*";
    if (origin.empty()) return "";
    for (const auto& o : origins_) {
        if (o == origin) return o;
    }
    return "";
}

void CorsPolicy::apply(const http::Request& request, http::Response& response) const {
    auto origin = request.headers.get("Origin");
    if (!origin) return;
    std::string allowed = allow_origin(*origin);
    if (allowed.empty()) return;
    if (allowed != "*") response.headers.set("Vary", "Origin");
    response.headers.set("Access-Control-Allow-Origin", std::move(allowed));
    // Clients read Retry-After to back off from a 429.
    response.headers.set("Access-Control-Expose-Headers", "Retry-After");
}

http::Response CorsPolicy::preflight(const http::Request& request, std::string_view methods) const {
    http::Response r;
    r.status = 204;
    r.headers.set("Allow", std::string(methods));
    auto origin = request.headers.get("Origin");
    if (!origin || !request.headers.has("Access-Control-Request-Method")) return r;
    std::string allowed = allow_origin(*origin);
    if (allowed.empty()) {
        return error_response(Status(StatusCode::kPermissionDenied, "CorsNotAllowed",
                                     "origin " + std::string(*origin) + " is not allowed"));
    }
    if (allowed != "*") r.headers.set("Vary", "Origin");
    r.headers.set("Access-Control-Allow-Origin", std::move(allowed));
    r.headers.set("Access-Control-Allow-Methods", std::string(methods));
    std::string requested = request.headers.get_or("Access-Control-Request-Headers", "");
    r.headers.set("Access-Control-Allow-Headers",
                  !requested.empty() && is_header_list(requested) ? requested : "Content-Type");
    r.headers.set("Access-Control-Max-Age", std::to_string(max_age_.count()));
    return r;
}

}  // namespace imgpipe::api
