#pragma once
// ServiceMetrics: every metric `imgpipe serve` exports at `GET /metrics`, declared in one place
// (README.md, Operations, lists them), and the glue that feeds them: an http::RequestObserver
// per listener, a pipeline::JobObserver for the workers, a webhook attempt callback, and
// scrape-time gauges over the queue, the job store and the worker pool.
//
// Requests are counted by listener, method, route and status. The route is the matched route's
// pattern ("/images/{id}"), never the raw path, so the label set stays bounded; the S3 endpoint,
// which routes by itself, is labelled by the level it addresses (service, bucket, object).
// Uploads are counted where they reach imgpipe: "presign" (the upload API signing a POST policy)
// and "store" (a POST, PUT or multipart completion into the source bucket), accepted or refused
// with a reason derived from the status the client got.
//
// Thread-safe. The ports handed to the watch_* calls must outlive every render().

#include <memory>
#include <set>
#include <string>

#include "http/router.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "pipeline/worker_pool.h"
#include "queue/event_queue.h"
#include "queue/job_store.h"

namespace imgpipe::app {

// What the request observer needs to know about the S3 endpoint to spot uploads.
struct UploadTargets {
    std::string source_bucket;
    std::vector<std::string> s3_domains;  // virtual-hosted style: <bucket>.<domain>
    std::set<std::string> presign_paths;  // the upload API's POST routes
};

class ServiceMetrics {
  public:
    explicit ServiceMetrics(UploadTargets uploads);

    metrics::Registry& registry() { return registry_; }
    std::string render() const { return registry_.render(); }

    // For the listener named `listener` ("api", "s3", "ops").
    http::RequestObserver request_observer(std::string listener);
    pipeline::JobObserver job_observer();
    std::function<void(const char*)> webhook_observer();

    void watch_queue(queue::EventQueue& queue, const Clock& clock);
    void watch_jobs(queue::JobStore& jobs);
    void watch_workers(const pipeline::WorkerPool& workers);

  private:
    void observe_request(const std::string& listener, const http::RequestRecord& record);
    // "service", "bucket", "object" for an S3 request; sets *bucket when one is addressed.
    std::string s3_level(const http::Request& request, std::string* bucket) const;
    void count_upload(const std::string& stage, int status);

    const UploadTargets uploads_;
    metrics::Registry registry_;
    metrics::CounterFamily& requests_;
    metrics::HistogramFamily& request_seconds_;
    metrics::CounterFamily& received_bytes_;
    metrics::CounterFamily& sent_bytes_;
    metrics::CounterFamily& uploads_total_;
    metrics::CounterFamily& jobs_;
    metrics::HistogramFamily& job_latency_;
    metrics::HistogramFamily& job_run_seconds_;
    metrics::CounterFamily& worker_busy_seconds_;
    metrics::CounterFamily& webhook_deliveries_;
};

// The reason label of a refused upload, from the status the client got: "bad_request",
// "forbidden", "too_large", "rate_limited", "client_gone", "server_error", ...
std::string refusal_reason(int status);

}  // namespace imgpipe::app
