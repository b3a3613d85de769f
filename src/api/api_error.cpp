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
    const int http_status = http_status_for(status.reason());
    nlohmann::json error;
    if (http_status == 500) {
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
    return r;
}

}  // namespace imgpipe::api
