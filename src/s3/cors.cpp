#include "s3/cors.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "s3/errors.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

constexpr std::array<std::string_view, 5> kMethods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
constexpr size_t kMaxRules = 100;  // S3's limit on CORSRule elements
// Headers a browser script may read from the server default's responses: ETag is what
// lib-storage multipart uploads need; the rest are what S3 clients look at.
constexpr std::array<std::string_view, 15> kDefaultExposed = {"ETag",
                                                              "x-amz-request-id",
                                                              "x-amz-id-2",
                                                              "x-amz-version-id",
                                                              "x-amz-delete-marker",
                                                              "x-amz-checksum-crc32",
                                                              "x-amz-checksum-crc32c",
                                                              "x-amz-checksum-crc64nvme",
                                                              "x-amz-checksum-sha1",
                                                              "x-amz-checksum-sha256",
                                                              "Content-Length",
                                                              "Content-Range",
                                                              "Content-Type",
                                                              "Last-Modified",
                                                              "Location"};
constexpr int kDefaultMaxAge = 3000;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

// `pattern` with at most one '*', which stands for any run of characters.
bool wildcard_match(std::string_view pattern, std::string_view text) {
    auto star = pattern.find('*');
    if (star == std::string_view::npos) return equal_ignoring_case(pattern, text);
    std::string_view head = pattern.substr(0, star);
    std::string_view tail = pattern.substr(star + 1);
    return text.size() >= head.size() + tail.size() &&
           equal_ignoring_case(text.substr(0, head.size()), head) &&
           equal_ignoring_case(text.substr(text.size() - tail.size()), tail);
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view text) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return wildcard_match(p, text); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_list(std::string_view list) {
    std::vector<std::string_view> out;
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        if (!item.empty()) out.push_back(item);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

const CorsRule* find_rule(const CorsConfig& config, std::string_view origin,
                          std::string_view method, std::string_view requested_headers) {
    const auto headers = split_list(requested_headers);
    for (const CorsRule& rule : config.rules) {
        if (!any_matches(rule.allowed_origins, origin)) continue;
        if (std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(), method) ==
            rule.allowed_methods.end()) {
            continue;
        }
        bool headers_ok = std::all_of(headers.begin(), headers.end(), [&](std::string_view h) {
            return any_matches(rule.allowed_headers, h);
        });
        if (headers_ok) return &rule;
    }
    return nullptr;
}

// The headers a matching rule puts on both preflight and actual responses.
void set_rule_headers(const CorsRule& rule, std::string_view origin, http::Response& response) {
    const bool any_origin = std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(),
                                      "*") != rule.allowed_origins.end();
    response.headers.set("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
    if (!any_origin) response.headers.set("Access-Control-Allow-Credentials", "true");
    response.headers.set("Access-Control-Allow-Methods", join(rule.allowed_methods));
    if (!rule.expose_headers.empty()) {
        response.headers.set("Access-Control-Expose-Headers", join(rule.expose_headers));
    }
    if (rule.max_age_seconds) {
        response.headers.set("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
    }
}

Status malformed(std::string message) {
    return invalid_argument("MalformedXML", std::move(message));
}

Result<std::vector<std::string>> texts(pugi::xml_node rule, std::string_view name,
                                       bool check_wildcards) {
    std::vector<std::string> out;
    for (pugi::xml_node node : rule.children()) {
        if (node.type() != pugi::node_element || local_name(node) != name) continue;
        std::string value = node.text().as_string();
        if (check_wildcards && std::count(value.begin(), value.end(), '*') > 1) {
            return invalid_argument(
                "InvalidRequest",
                std::string(name) + " \"" + value + "\" can not have more than one wildcard.");
        }
        out.push_back(std::move(value));
    }
    return out;
}

}  // namespace

Result<CorsConfig> parse_cors_config(std::string_view xml) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(pugi::xml_node root, parse_body(doc, xml, "CORSConfiguration"));
    CorsConfig config;
    for (pugi::xml_node node : root.children()) {
        if (node.type() != pugi::node_element || local_name(node) != "CORSRule") continue;
        CorsRule rule;
        rule.id = child(node, "ID").text().as_string();
        IMGPIPE_ASSIGN_OR_RETURN(rule.allowed_origins, texts(node, "AllowedOrigin", true));
        IMGPIPE_ASSIGN_OR_RETURN(rule.allowed_methods, texts(node, "AllowedMethod", false));
        IMGPIPE_ASSIGN_OR_RETURN(rule.allowed_headers, texts(node, "AllowedHeader", true));
        IMGPIPE_ASSIGN_OR_RETURN(rule.expose_headers, texts(node, "ExposeHeader", false));
        if (rule.allowed_origins.empty() || rule.allowed_methods.empty()) {
            return malformed("every CORSRule needs an AllowedOrigin and an AllowedMethod");
        }
        for (const auto& method : rule.allowed_methods) {
            if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
                return invalid_argument("InvalidRequest",
                                        "Found unsupported HTTP method in CORS config. "
                                        "Unsupported method is " +
                                            method);
            }
        }
        if (pugi::xml_node age = child(node, "MaxAgeSeconds")) {
            std::string_view text = age.text().as_string();
            int seconds = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
            if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) {
                return malformed("MaxAgeSeconds must be a non-negative integer");
            }
            rule.max_age_seconds = seconds;
        }
        config.rules.push_back(std::move(rule));
    }
    if (config.rules.empty() || config.rules.size() > kMaxRules) {
        return malformed("a CORSConfiguration has 1 to 100 CORSRule elements");
    }
    return config;
}

std::string render_cors_config(const CorsConfig& config) {
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "CORSConfiguration");
    for (const CorsRule& rule : config.rules) {
        pugi::xml_node node = root.append_child("CORSRule");
        if (!rule.id.empty()) append_text(node, "ID", rule.id);
        for (const auto& v : rule.allowed_headers) append_text(node, "AllowedHeader", v);
        for (const auto& v : rule.allowed_methods) append_text(node, "AllowedMethod", v);
        for (const auto& v : rule.allowed_origins) append_text(node, "AllowedOrigin", v);
        for (const auto& v : rule.expose_headers) append_text(node, "ExposeHeader", v);
        if (rule.max_age_seconds) {
            append_text(node, "MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
        }
    }
    return render_xml(doc);
}

CorsConfig default_cors_config(const S3Options& options) {
    CorsRule rule;
    rule.allowed_origins = options.cors_origins;
    rule.allowed_methods.assign(kMethods.begin(), kMethods.end());
    // Any request header may be sent: SDKs add amz-sdk-*, x-amz-checksum-* and friends.
    rule.allowed_headers = {"*"};
    rule.expose_headers.assign(kDefaultExposed.begin(), kDefaultExposed.end());
    rule.max_age_seconds = kDefaultMaxAge;
    return CorsConfig{{std::move(rule)}};
}

http::Response cors_preflight(const CorsConfig& config, const http::Request& request) {
    auto origin = request.headers.get("Origin");
    auto method = request.headers.get("Access-Control-Request-Method");
    if (!origin || !method) {
        ErrorExtras extras{.message = "Insufficient information. Origin request header needed."};
        return error_response(Status(StatusCode::kInvalidArgument, "InvalidRequest",
                                     "OPTIONS without Origin/Access-Control-Request-Method"),
                              request.path, request.request_id, extras);
    }
    const std::string requested(request.headers.get_or("Access-Control-Request-Headers", ""));
    const CorsRule* rule = find_rule(config, *origin, *method, requested);
    if (rule == nullptr) {
        ErrorExtras extras{.message =
                               "CORSResponse: This CORS request is not allowed. This is "
                               "usually because the evalution of Origin, request method / "
                               "Access-Control-Request-Method or "
                               "Access-Control-Request-Headers are not whitelisted by the "
                               "resource's CORS spec."};
        return error_response(Status(StatusCode::kPermissionDenied, "AccessForbidden",
                                     "CORS origin, method or headers not allowed"),
                              request.path, request.request_id, extras);
    }
    http::Response response;
    response.status = 200;
    set_rule_headers(*rule, *origin, response);
    if (!requested.empty()) response.headers.set("Access-Control-Allow-Headers", requested);
    response.headers.set("Vary",
                         "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    return response;
}

void add_cors_headers(const CorsConfig& config, const http::Request& request,
                      http::Response& response) {
    auto origin = request.headers.get("Origin");
    if (!origin) return;
    // An actual request is matched on its origin and method only.
    const CorsRule* rule = find_rule(config, *origin, request.method, "");
    if (rule == nullptr) return;
    set_rule_headers(*rule, *origin, response);
    response.headers.set("Vary",
                         "Origin, Access-Control-Request-Headers, "
                         "Access-Control-Request-Method");
}

}  // namespace imgpipe::s3
