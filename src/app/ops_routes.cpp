#include "app/ops_routes.h"

namespace imgpipe::app {

void add_ops_routes(http::Router& router, ServiceMetrics& metrics, Readiness& readiness,
                    bool with_healthz) {
    // Blocking: rendering reads the queue and the job store, and /readyz syncs a probe file.
    router.add("GET", "/metrics", [&metrics](http::Request&) {
        http::Response r =
            http::Response::text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        r.headers.set("Cache-Control", "no-store");
        return r;
    });
    router.add("GET", "/readyz", [&readiness](http::Request&) {
        ReadinessReport report = readiness.check();
        http::Response r = http::Response::json(report.ready ? 200 : 503, report.to_json());
        r.headers.set("Cache-Control", "no-store");
        return r;
    });
    if (with_healthz) {
        router.add(
            "GET", "/healthz",
            [](http::Request&) {
                http::Response r = http::Response::json(200, R"({"status":"ok"})");
                r.headers.set("Cache-Control", "no-store");
                return r;
            },
            http::Execution::kInline);
    }
}

}  // namespace imgpipe::app
