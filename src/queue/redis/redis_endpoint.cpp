#include "queue/redis/redis_endpoint.h"

#include <charconv>

namespace imgpipe::queue::redis {
namespace {

// The URL may carry a password: the message names the problem, never the URL.
Status bad_url(const std::string& why) {
    return invalid_argument("InvalidQueueUrl", "queue URL: " + why);
}

// A decimal number in [lo, hi], or -1.
int parse_number(std::string_view s, int lo, int hi) {
    int value = -1;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return -1;
    return value < lo || value > hi ? -1 : value;
}

}  // namespace

std::string RedisEndpoint::to_string() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return "redis://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" +
           std::to_string(db);
}

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return bad_url("must start with redis:// (TLS, rediss://, is not supported)");
    }
    std::string_view rest = url.substr(kScheme.size());
    RedisEndpoint e;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) {
            e.password = userinfo;  // redis://PASSWORD@host, as redis-cli reads it
        } else {
            e.user = userinfo.substr(0, colon);
            e.password = userinfo.substr(colon + 1);
        }
    }
    std::string_view hostport = rest.substr(0, rest.find('/'));
    if (hostport.size() < rest.size()) {
        std::string_view db = rest.substr(hostport.size() + 1);
        if (!db.empty()) {
            e.db = parse_number(db, 0, 65535);
            if (e.db < 0) return bad_url("the database must be a number from 0 to 65535");
        }
    }
    std::string_view port;
    if (!hostport.empty() && hostport.front() == '[') {  // [::1]:6379
        auto close = hostport.find(']');
        if (close == std::string_view::npos) return bad_url("unclosed [ in the host");
        e.host = hostport.substr(1, close - 1);
        std::string_view after = hostport.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad_url("expected :PORT after the host");
            port = after.substr(1);
            if (port.empty()) return bad_url("empty port");
        }
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        e.host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
        if (port.empty()) return bad_url("empty port");
    } else {
        e.host = hostport;
    }
    if (e.host.empty()) return bad_url("no host");
    if (!port.empty()) {
        e.port = parse_number(port, 1, 65535);
        if (e.port < 0) return bad_url("the port must be a number from 1 to 65535");
    }
    return e;
}

}  // namespace imgpipe::queue::redis
