#include "store/s3/s3_client_options.h"

#include <charconv>

namespace imgpipe::store::s3 {

std::string S3ClientOptions::authority() const {
    bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    bool ipv6 = host.find(':') != std::string::npos;
    std::string h = ipv6 ? "[" + host + "]" : host;
    return default_port ? h : h + ":" + std::to_string(port);
}

Status parse_store_url(const std::string& url, S3ClientOptions& options) {
    auto bad = [&](const std::string& why) {
        return invalid_argument("InvalidStoreUrl", "store URL '" + url + "': " + why +
                                                       " (expected s3+http(s)://HOST[:PORT])");
    };
    std::string rest;
    if (url.rfind("s3+https://", 0) == 0) {
        options.scheme = "https";
        options.port = 443;
        rest = url.substr(11);
    } else if (url.rfind("s3+http://", 0) == 0) {
        options.scheme = "http";
        options.port = 80;
        rest = url.substr(10);
    } else {
        return bad("unknown scheme");
    }
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.empty()) return bad("no host");
    if (rest.find_first_of("/?#@ ") != std::string::npos) return bad("only a host and port");
    std::string host = rest;
    std::string port_text;
    if (rest.front() == '[') {  // [IPv6]:port
        auto close = rest.find(']');
        if (close == std::string::npos) return bad("unclosed '['");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') return bad("junk after ']'");
            port_text = rest.substr(close + 2);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
    }
    if (host.empty()) return bad("no host");
    if (!port_text.empty() || rest.back() == ':') {
        int port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
            port > 65535) {
            return bad("bad port");
        }
        options.port = port;
    }
    options.host = host;
    return Status::ok();
}

}  // namespace imgpipe::store::s3
