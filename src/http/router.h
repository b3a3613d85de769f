#pragma once
// Router: the one route table of a listener. A route is a method, a path pattern with
// "{name}" segments (a trailing "{name+}" takes the rest of the path) and a handler, plus how it
// runs: `kInline` handlers are short, non-blocking (CPU only) and run on the I/O thread after the
// server has read their whole body (bounded); `kBlocking` handlers (disk, network, big bodies)
// run on the handler pool and stream their body. A fallback catches everything else (the S3
// endpoint routes by itself). Built once before the server starts, then read-only and
// thread-safe.
//
// Matching: routes are tried in the order added; the first whose method and pattern match wins.
// A HEAD request also matches a GET route (the server sends no body for HEAD). When some route
// has the path but not the method, match() reports `path_exists` (→ 405) rather than taking the
// fallback; only a path no route knows goes to the fallback.

#include <functional>
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

class Router {
  public:
    struct Route {
        std::string method;  // "" matches any method
        std::string pattern;
        Handler handler;
        Execution execution = Execution::kBlocking;
    };

    // `pattern` starts with '/'; a "{name}" segment matches one non-empty path segment, a final
    // "{name+}" the non-empty rest of the path (slashes included).
    void add(std::string method, std::string pattern, Handler handler,
             Execution execution = Execution::kBlocking);
    void set_fallback(Handler handler, Execution execution = Execution::kBlocking);

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
};

}  // namespace imgpipe::http
