#pragma once
// Router: the one route table of a listener. A route is a method, a path pattern with
// "{name}" segments (a trailing "{name+}" takes the rest of the path) and a handler, plus how it
// runs: `kInline` handlers are short, non-blocking (CPU only) and run on the I/O thread after the
// server has read their whole body (bounded); `kBlocking` handlers (disk, network, big bodies)
// run on the handler pool and stream their body. A fallback catches everything else (the S3
// endpoint routes by itself). Built once before the server starts, then read-only and
// thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/request.h"

namespace imgpipe::http {

using Handler = std::function<Response(Request&)>;

enum class Execution { kInline, kBlocking };

class Router {
public:
    struct Route {
        std::string method;  // "" matches any method
        std::string pattern;
        Handler handler;
        Execution execution = Execution::kBlocking;
    };

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
    std::vector<Route> routes_;
    std::optional<Route> fallback_;
};

}  // namespace imgpipe::http
