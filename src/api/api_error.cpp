#include "api/api_error.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/log.h"

namespace imgpipe::api {
namespace {

constexpr std::array<std::pair<std::string_view, int>, 16> kTable = {{
    {"InvalidJson", 400},
    {"InvalidEvent", 400},
    {"Unauthorized", 401},
    {"InvalidRequest", 400},
    {"InvalidFilename", 400},
    {"InvalidSize", 400},
    {"InvalidVariants", 400},
    {"ContentTypeMismatch", 400},
    {"CorsNotAllowed", 403},
    {"NotFound", 404},
    {"NoSuchImage", 404},
    {"MethodNotAllowed", 405},
    {"EntityTooLarge", 413},
    {"RequestTooLarge", 413},
    {"UnsupportedMediaType", 415},
    {"TooManyRequests", 429},
}};

}  // namespace

int http_status_for(std::string_view reason) {
    for (const auto& [name, status] : kTable) {
        if (name == reason) return status;
    }
    return 500;
}

http::Response error_response(const Status& status, std::string_view request_id) {
    int http_status = http_status_for(status.reason());
    // A backend that cannot be reached (redis-server restarting, the store down) is the server's
    // fault but passes: 503 with Retry-After tells clients and load balancers to come back,
    // where a 500 says the request itself broke something. The detail stays in the log.
    const bool unavailable = http_status == 500 && status.code() == StatusCode::kUnavailable;
    nlohmann::json error;
    if (unavailable) {
        http_status = 503;
        log::warn("upload api backend unavailable",
                  {{"request_id", request_id}, {"status", status.to_string()}});
        error = {{"code", "ServiceUnavailable"},
                 {"message", "a backend is unavailable; try again shortly"}};
    } else if (http_status == 500) {
        log::error("upload api internal error",
                   {{"request_id", request_id}, {"status", status.to_string()}});
        error = {{"code", "InternalError"}, {"message", "internal error; try again later"}};
    } else {
        // Messages may quote client input; invalid UTF-8 in it is replaced, never thrown on.
        error = {{"code", status.reason()}, {"message", status.message()}};
    }
    http::Response r = http::Response::json(
        http_status, nlohmann::json{{"error", error}}.dump(
                         -1, ' ', false, nlohmann::json::error_handler_t::replace));
    r.headers.set("Cache-Control", "no-store");
    if (unavailable) r.headers.set("Retry-After", "1");
    return r;
}

}  // namespace imgpipe::api
