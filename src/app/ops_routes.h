#pragma once
// Ops routes: `GET /metrics` (Prometheus text), `GET /readyz` (200 ready / 503 not, with the
// checks as JSON) and, on a listener that has none yet, `GET /healthz` (200 while the process
// serves). Added to the upload API's listener, and served alone by the optional metrics
// listener (`metrics.listen`), which a worker-only process uses.

#include "app/readiness.h"
#include "app/service_metrics.h"
#include "http/router.h"

namespace imgpipe::app {

// `metrics` and `readiness` outlive the router.
void add_ops_routes(http::Router& router, ServiceMetrics& metrics, Readiness& readiness,
                    bool with_healthz);

}  // namespace imgpipe::app
