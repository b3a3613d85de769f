#include "api/event_ingress_api.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "core/log.h"
#include "pipeline/s3_event.h"
#include "sigv4/sigv4.h"

namespace imgpipe::api {

EventIngressApi::EventIngressApi(EventIngressApiOptions options, pipeline::EventIngress& ingress)
    : options_(std::move(options)), ingress_(ingress) {}

namespace {

bool same(std::string_view a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), b.size()) == 0;
}

}  // namespace

bool EventIngressApi::authorized(const http::Request& request) const {
    auto header = request.headers.get("Authorization");
    if (!header || options_.token.empty()) return false;
    constexpr std::string_view kBearer = "Bearer ";
    constexpr std::string_view kBasic = "Basic ";
    if (header->substr(0, kBearer.size()) == kBearer) {
        return same(header->substr(kBearer.size()), options_.token);
    }
    if (header->substr(0, kBasic.size()) == kBasic) {
        // user:token, from a push endpoint URL with credentials (any user name).
        auto decoded = sigv4::base64_decode(header->substr(kBasic.size()));
        if (!decoded) return false;
        auto colon = decoded->find(':');
        return colon != std::string::npos &&
               same(std::string_view(*decoded).substr(colon + 1), options_.token);
    }
    return false;
}

void EventIngressApi::add_routes(http::Router& router) {
    http::RouteOptions options;
    options.max_body = options_.max_body;
    // Refuse strangers before reading a byte of their body.
    options.gate = [this](const http::Request& request) -> std::optional<http::Response> {
        // Without a header the records must carry the token: the handler checks.
        if (!request.headers.has("Authorization") || authorized(request)) return std::nullopt;
        return unauthorized();
    };
    router.add(
        "POST", "/events/s3", [this](http::Request& r) { return handle(r); }, options);
}

http::Response EventIngressApi::unauthorized() {
    http::Response r = error_response(
        Status(StatusCode::kUnauthenticated, "Unauthorized", "a valid bearer token is required"));
    r.headers.set("WWW-Authenticate", "Bearer");
    return r;
}

bool EventIngressApi::records_carry_token(std::string_view body) const {
    auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains("Records") || !json["Records"].is_array() ||
        json["Records"].empty()) {
        return false;
    }
    for (const auto& record : json["Records"]) {
        if (!record.is_object() || !record.contains("opaqueData") ||
            !record["opaqueData"].is_string() ||
            !same(record["opaqueData"].get_ref<const std::string&>(), options_.token)) {
            return false;
        }
    }
    return true;
}

http::Response EventIngressApi::handle(http::Request& request) {
    auto body = read_all(*request.body, options_.max_body);
    if (!body.is_ok()) {
        return error_response(Status(StatusCode::kResourceExhausted, "RequestTooLarge",
                                     "a notification is at most 1 MiB"),
                              request.request_id);
    }
    if (!request.headers.has("Authorization") && !records_carry_token(*body)) {
        return unauthorized();
    }
    auto records = pipeline::parse_s3_event(*body);
    if (!records.is_ok()) return error_response(records.status(), request.request_id);
    auto jobs = ingress_.ingest(*records);
    if (!jobs.is_ok()) return error_response(jobs.status(), request.request_id);
    log::info("store notification",
              {{"request_id", request.request_id}, {"records", records->size()}, {"jobs", *jobs}});
    return http::Response::json(
        200, nlohmann::json{{"records", records->size()}, {"jobs", *jobs}}.dump());
}

}  // namespace imgpipe::api
