#include "app/service_metrics.h"

#include <algorithm>
#include <cctype>

#include "metrics/process_metrics.h"

namespace imgpipe::app {
namespace {

using metrics::GaugeSample;

// Jobs take from tens of milliseconds (a thumbnail) to minutes (a backlog after an outage).
std::vector<double> job_buckets_seconds() {
    return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900};
}

std::string method_label(const std::string& method) {
    static const std::set<std::string> kKnown = {"GET",    "HEAD",    "PUT",  "POST",
                                                 "DELETE", "OPTIONS", "PATCH"};
    return kKnown.count(method) ? method : "other";
}

std::string outcome_name(pipeline::RunResult::Outcome outcome) {
    switch (outcome) {
        case pipeline::RunResult::kDone:
            return "done";
        case pipeline::RunResult::kFailed:
            return "failed";
        case pipeline::RunResult::kRetry:
            return "retry";
        case pipeline::RunResult::kDead:
            return "dead";
        case pipeline::RunResult::kSkipped:
            return "skipped";
    }
    return "unknown";
}

// Query parameter names that are not presigned-URL authentication (a sub-resource such as
// ?uploads, ?tagging, ?partNumber=).
std::vector<std::string> subresources(const std::string& query) {
    std::vector<std::string> names;
    size_t pos = 0;
    while (pos <= query.size() && !query.empty()) {
        size_t amp = query.find('&', pos);
        std::string part = query.substr(pos, amp == std::string::npos ? amp : amp - pos);
        std::string name = part.substr(0, part.find('='));
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        const bool auth = lower.rfind("x-amz-", 0) == 0 || lower == "x-id" ||
                          lower == "awsaccesskeyid" || lower == "signature" || lower == "expires";
        if (!name.empty() && !auth) names.push_back(name);
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return names;
}

}  // namespace

std::string refusal_reason(int status) {
    switch (status) {
        case 400:
            return "bad_request";
        case 401:
        case 403:
            return "forbidden";
        case 404:
            return "not_found";
        case 405:
            return "method_not_allowed";
        case 409:
            return "conflict";
        case 411:
            return "length_required";
        case 412:
            return "precondition_failed";
        case 413:
            return "too_large";
        case 415:
            return "unsupported_type";
        case 429:
            return "rate_limited";
        case 499:
            return "client_gone";
        case 503:
            return "unavailable";
        default:
            return status >= 500 ? "server_error" : "other";
    }
}

ServiceMetrics::ServiceMetrics(UploadTargets uploads)
    : uploads_(std::move(uploads)),
      requests_(registry_.counter("imgpipe_http_requests_total",
                                  "HTTP requests answered, by listener, method, route and status.",
                                  {"listener", "method", "route", "status"})),
      request_seconds_(registry_.histogram(
          "imgpipe_http_request_duration_seconds",
          "Time from a request's first byte to its last response byte, by listener and route.",
          {"listener", "route"}, metrics::latency_buckets_seconds())),
      received_bytes_(registry_.counter("imgpipe_http_received_bytes_total",
                                        "Request body bytes read, by listener.", {"listener"})),
      sent_bytes_(registry_.counter("imgpipe_http_sent_bytes_total",
                                    "Response body bytes written, by listener.", {"listener"})),
      uploads_total_(registry_.counter(
          "imgpipe_uploads_total",
          "Uploads by stage (presign: the API signed a policy; store: an object arrived in the "
          "source bucket), outcome and reason (from the status the client got).",
          {"stage", "outcome", "reason"})),
      jobs_(registry_.counter("imgpipe_jobs_total",
                              "Job runs by outcome (done, failed, retry, dead, skipped).",
                              {"outcome"})),
      job_latency_(registry_.histogram(
          "imgpipe_job_latency_seconds",
          "Time from an object's creation to all its variants stored, once per finished job.", {},
          job_buckets_seconds())),
      job_run_seconds_(registry_.histogram("imgpipe_job_run_duration_seconds",
                                           "Time a worker spent on one job run, by outcome.",
                                           {"outcome"}, job_buckets_seconds())),
      worker_busy_seconds_(registry_.counter(
          "imgpipe_worker_busy_seconds_total",
          "Seconds worker threads spent running jobs; rate() over imgpipe_workers is the busy "
          "ratio.")),
      webhook_deliveries_(registry_.counter("imgpipe_webhook_deliveries_total",
                                            "Webhook delivery attempts by outcome.", {"outcome"})) {
    metrics::register_process_metrics(registry_);
}

http::RequestObserver ServiceMetrics::request_observer(std::string listener) {
    return [this, listener = std::move(listener)](const http::RequestRecord& record) {
        observe_request(listener, record);
    };
}

void ServiceMetrics::observe_request(const std::string& listener,
                                     const http::RequestRecord& record) {
    const http::Request& request = *record.request;
    std::string route;
    std::string bucket;
    if (record.route && !record.route->pattern.empty()) route = record.route->pattern;
    const bool s3 = listener == "s3";
    if (route.empty()) route = s3 ? "s3:" + s3_level(request, &bucket) : "unmatched";
    const std::string status = std::to_string(record.status);
    requests_.with({listener, method_label(request.method), route, status}).add();
    request_seconds_.with({listener, route})
        .observe(std::chrono::duration<double>(record.duration).count());
    received_bytes_.with({listener}).add(static_cast<double>(record.bytes_in));
    sent_bytes_.with({listener}).add(static_cast<double>(record.bytes_out));

    if (!s3 && request.method == "POST" && uploads_.presign_paths.count(route)) {
        count_upload("presign", record.status);
    } else if (s3 && bucket == uploads_.source_bucket) {
        const auto sub = subresources(request.query);
        const bool put_object = request.method == "PUT" && route == "s3:object" && sub.empty();
        const bool post_form = request.method == "POST" && route == "s3:bucket" && sub.empty();
        const bool complete = request.method == "POST" && route == "s3:object" &&
                              sub == std::vector<std::string>{"uploadId"};
        if (put_object || post_form || complete) count_upload("store", record.status);
    }
}

void ServiceMetrics::count_upload(const std::string& stage, int status) {
    if (status >= 200 && status < 300) {
        uploads_total_.with({stage, "accepted", "none"}).add();
    } else {
        uploads_total_.with({stage, "refused", refusal_reason(status)}).add();
    }
}

std::string ServiceMetrics::s3_level(const http::Request& request, std::string* bucket) const {
    std::string path = request.path.empty() ? "/" : request.path;
    std::string host = request.headers.get_or("Host", "");
    if (auto colon = host.rfind(':');
        colon != std::string::npos && host.find(']') == std::string::npos) {
        host.resize(colon);
    }
    for (const auto& domain : uploads_.s3_domains) {
        if (host.size() > domain.size() + 1 && host.ends_with("." + domain)) {
            *bucket = host.substr(0, host.size() - domain.size() - 1);
            return path == "/" ? "bucket" : "object";
        }
    }
    std::string rest = path.substr(1);
    if (rest.empty()) return "service";
    auto slash = rest.find('/');
    *bucket = rest.substr(0, slash);
    return slash == std::string::npos || slash + 1 == rest.size() ? "bucket" : "object";
}

pipeline::JobObserver ServiceMetrics::job_observer() {
    return [this](const pipeline::JobRecord& job) {
        const std::string outcome = outcome_name(job.outcome);
        const double busy = std::chrono::duration<double>(job.busy).count();
        jobs_.with({outcome}).add();
        job_run_seconds_.with({outcome}).observe(busy);
        worker_busy_seconds_.with({}).add(busy);
        if (job.outcome == pipeline::RunResult::kDone) {
            // Clocks of different hosts may disagree a little: never a negative latency.
            double latency = std::chrono::duration<double>(job.finished - job.created).count();
            job_latency_.with({}).observe(std::max(0.0, latency));
        }
    };
}

std::function<void(const char*)> ServiceMetrics::webhook_observer() {
    return [this](const char* outcome) { webhook_deliveries_.with({outcome}).add(); };
}

void ServiceMetrics::watch_queue(queue::EventQueue& queue, const Clock& clock) {
    registry_.gauge("imgpipe_queue_messages",
                    "Messages in the event queue by state (ready includes delayed retries).",
                    {"state"}, [&queue] {
                        auto s = queue.stats();
                        if (!s.is_ok()) return std::vector<GaugeSample>{};
                        return std::vector<GaugeSample>{
                            {{"ready"}, static_cast<double>(s->ready)},
                            {{"leased"}, static_cast<double>(s->leased)},
                            {{"dead"}, static_cast<double>(s->dead)}};
                    });
    registry_.gauge("imgpipe_queue_oldest_message_age_seconds",
                    "Age of the oldest message not yet settled (0 when the queue is empty).", {},
                    [&queue, &clock] {
                        auto oldest = queue.oldest_published();
                        if (!oldest.is_ok()) return std::vector<GaugeSample>{};
                        double age = 0;
                        if (oldest->has_value()) {
                            age = std::chrono::duration<double>(clock.now() - **oldest).count();
                        }
                        return std::vector<GaugeSample>{{{}, std::max(0.0, age)}};
                    });
}

void ServiceMetrics::watch_jobs(queue::JobStore& jobs) {
    registry_.gauge("imgpipe_jobs", "Jobs in the job store by state.", {"state"}, [&jobs] {
        auto c = jobs.counts();
        if (!c.is_ok()) return std::vector<GaugeSample>{};
        return std::vector<GaugeSample>{{{"pending"}, static_cast<double>(c->pending)},
                                        {{"processing"}, static_cast<double>(c->processing)},
                                        {{"done"}, static_cast<double>(c->done)},
                                        {{"failed"}, static_cast<double>(c->failed)}};
    });
}

void ServiceMetrics::watch_workers(const pipeline::WorkerPool& workers) {
    registry_.gauge("imgpipe_workers", "Worker threads.", {}, [&workers] {
        return std::vector<GaugeSample>{{{}, static_cast<double>(workers.threads())}};
    });
    registry_.gauge(
        "imgpipe_worker_busy_ratio",
        "Share of worker threads running a job at the moment of the scrape.", {}, [&workers] {
            return std::vector<GaugeSample>{
                {{}, static_cast<double>(workers.busy()) / std::max(1, workers.threads())}};
        });
}

}  // namespace imgpipe::app
