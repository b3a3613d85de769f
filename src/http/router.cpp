#include "http/router.h"

#include <utility>

namespace imgpipe::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool method_matches(std::string_view route_method, std::string_view method) {
    return route_method.empty() || route_method == method;
}

}  // namespace

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
    std::vector<Segment> segments;
    std::string_view rest(pattern);
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    while (true) {
        size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        Segment s;
        if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
            seg = seg.substr(1, seg.size() - 2);
            s.param = true;
            if (!seg.empty() && seg.back() == '+') {
                s.greedy = true;
                seg.remove_suffix(1);
            }
        }
        s.text = std::string(seg);
        segments.push_back(std::move(s));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    routes_.push_back(
        Route{std::move(method), std::move(pattern), std::move(handler), std::move(options)});
    segments_.push_back(std::move(segments));
}

void Router::set_fallback(Handler handler, RouteOptions options) {
    fallback_ = Route{"", "", std::move(handler), std::move(options)};
}

void Router::set_busy_response(std::function<Response(const Request&)> busy) {
    busy_ = std::move(busy);
}

Response Router::busy_response(const Request& request) const {
    if (busy_) return busy_(request);
    return Response::json_error(503, "SlowDown", "the server is busy; retry later");
}

bool Router::match_pattern(const std::vector<Segment>& segments, std::string_view path,
                           std::map<std::string, std::string>* params) {
    if (path.empty() || path.front() != '/') return false;
    std::string_view rest = path.substr(1);
    for (size_t i = 0; i < segments.size(); ++i) {
        const Segment& s = segments[i];
        bool last = i + 1 == segments.size();
        if (s.greedy && last) {
            if (rest.empty()) return false;
            if (params) (*params)[s.text] = percent_decode(rest);
            return true;
        }
        size_t slash = rest.find('/');
        // A non-final pattern segment needs a '/' after its path segment; the final one must not.
        if (last != (slash == std::string_view::npos)) return false;
        std::string_view seg = rest.substr(0, slash);
        if (s.param) {
            if (seg.empty()) return false;
            if (params) (*params)[s.text] = percent_decode(seg);
        } else if (seg != s.text) {
            return false;
        }
        if (!last) rest.remove_prefix(slash + 1);
    }
    return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match m;
    // A HEAD route wins over a GET route for HEAD, whatever their order; hence two passes.
    for (std::string_view wanted : {method, method == "HEAD" ? std::string_view("GET") : ""}) {
        if (wanted.empty()) break;
        for (size_t i = 0; i < routes_.size(); ++i) {
            if (method_matches(routes_[i].method, wanted)) {
                std::map<std::string, std::string> params;
                if (match_pattern(segments_[i], path, &params)) {
                    m.route = &routes_[i];
                    m.params = std::move(params);
                    return m;
                }
            } else if (!m.path_exists && match_pattern(segments_[i], path, nullptr)) {
                m.path_exists = true;
            }
        }
    }
    // A path known with other methods answers 405 rather than reaching the fallback.
    if (!m.path_exists && fallback_) m.route = &*fallback_;
    return m;
}

}  // namespace imgpipe::http
