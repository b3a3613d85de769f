#pragma once
// Router: the one route table of a listener. A route is a method, a path pattern with
// "{name}" segments (a trailing "{name+}" takes the rest of the path) and a handler, plus how it
// runs (RouteOptions): `kInline` handlers are short, non-blocking (CPU only) and run on the I/O
// thread after the server has read their whole body (bounded); `kBlocking` handlers (disk,
// network, big bodies) run on the handler pool and stream their body. A route also declares what
// the server enforces before its handler runs, on the I/O thread, so that a hostile or slow
// client costs no handler thread: a `gate` (rate limits, size checks in the route's own words)
// that sees only the header, the largest body it accepts (`max_body`), and how much of the body
// the server reads into memory before a kBlocking handler starts (`prefetch`); a kBlocking route
// may also offer an answer for its cheap cases that runs on the I/O thread (`inline_answer`).
// A fallback catches
// everything else (the S3 endpoint routes by itself). The router also says how the listener
// answers "busy" (a full handler queue, too many connections) in its clients' dialect. Built once
// before the server starts, then read-only and thread-safe.
//
// Matching: routes are tried in the order added; the first whose method and pattern match wins.
// A HEAD request also matches a GET route (the server sends no body for HEAD). When some route
// has the path but not the method, match() reports `path_exists` (→ 405) rather than taking the
// fallback; only a path no route knows goes to the fallback.

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace imgpipe::http {

using Handler = std::function<Response(Request&)>;

// Decodes "%XX" escapes ('+' stays '+', as in paths). An invalid escape is kept as is.
std::string percent_decode(std::string_view text);

enum class Execution { kInline, kBlocking };

inline constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();

struct RouteOptions {
    Execution execution = Execution::kBlocking;
    // Runs on the I/O thread once the header is read, before any body byte is read (so
    // `Expect: 100-continue` is not answered) and before the handler is queued. A response
    // refuses the request; nullopt lets it through. `request.body` is null here. Must be cheap.
    std::function<std::optional<Response>(const Request&)> gate;
    // The largest request body the route accepts. A larger Content-Length is answered 413 before
    // any body byte is read; a chunked body is cut off (413) as soon as it crosses the cap.
    // kInline routes are further bounded by ServerOptions::inline_body_limit.
    uint64_t max_body = kNoBodyLimit;
    // kBlocking only: how many body bytes the server reads (on the I/O thread, into memory) before
    // the handler is queued, e.g. the form fields a POST Object authenticates with. The whole body
    // when shorter. Null or 0: none. Prefetching answers `Expect: 100-continue`, so a route that
    // checks a request before inviting its body returns 0 for such requests.
    std::function<size_t(const Request&)> prefetch;
    // kBlocking only: an answer tried first on the I/O thread, for a request without a body,
    // before the handler is queued. A response it returns is the answer (a `source` in it is read
    // on the I/O thread too); nullopt queues the handler as usual. For answers that wait on
    // nothing but this machine's memory and page cache (a cache hit served from local disk), so
    // the common case skips two thread switches. `request.body` is empty here.
    std::function<std::optional<Response>(Request&)> inline_answer;
};

class Router {
  public:
    struct Route {
        std::string method;  // "" matches any method
        std::string pattern;
        Handler handler;
        RouteOptions options;
    };

    // `pattern` starts with '/'; a "{name}" segment matches one non-empty path segment, a final
    // "{name+}" the non-empty rest of the path (slashes included).
    void add(std::string method, std::string pattern, Handler handler, RouteOptions options);
    void add(std::string method, std::string pattern, Handler handler,
             Execution execution = Execution::kBlocking) {
        add(std::move(method), std::move(pattern), std::move(handler),
            RouteOptions{.execution = execution});
    }
    void set_fallback(Handler handler, RouteOptions options);
    void set_fallback(Handler handler, Execution execution = Execution::kBlocking) {
        set_fallback(std::move(handler), RouteOptions{.execution = execution});
    }

    // How the listener says "busy, retry later" (503): for a request when the handler queue is
    // full (the request's header is set, its body null), and for a connection refused over the
    // connection caps (only remote_address and request_id set: nothing was read). The server adds
    // Retry-After and closes the connection. Default: JSON error code "SlowDown".
    void set_busy_response(std::function<Response(const Request&)> busy);
    Response busy_response(const Request& request) const;

    struct Match {
        const Route* route = nullptr;  // null: no route; see `path_exists`
        std::map<std::string, std::string> params;
        bool path_exists = false;  // some route has this path with another method (→ 405)
    };
    // `path` is percent-encoded; params are decoded.
    Match match(std::string_view method, std::string_view path) const;

  private:
    struct Segment {
        std::string text;  // literal text, or the parameter name
        bool param = false;
        bool greedy = false;  // "{name+}"
    };
    static bool match_pattern(const std::vector<Segment>& segments, std::string_view path,
                              std::map<std::string, std::string>* params);

    std::vector<Route> routes_;
    std::vector<std::vector<Segment>> segments_;  // parallel to routes_
    std::optional<Route> fallback_;
    std::function<Response(const Request&)> busy_;
};

}  // namespace imgpipe::http
