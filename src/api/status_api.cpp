#include "api/status_api.h"

#include <cstring>

#include "api/api_error.h"
#include "core/log.h"
#include "pipeline/image_id.h"
#include "pipeline/job_json.h"
#include "sigv4/sigv4.h"

namespace imgpipe::api {
namespace {

constexpr std::string_view kImageMethods = "GET, DELETE, OPTIONS";
constexpr std::string_view kEventMethods = "GET, OPTIONS";

Status no_such_image() { return not_found("NoSuchImage", "no image has this id"); }

std::string host_of(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    return url.substr(start, url.find('/', start) - start);
}

}  // namespace

// The body of an event stream: pulled by the server piece by piece (it is sent chunked), each
// read blocking on the handler pool until the job changes. One event per change of the job's
// version: "id: <version>\ndata: <job JSON>\n\n"; ": keep-alive" comments in between.
class StatusApi::EventStream final : public ByteSource {
  public:
    // Counted in api.open_streams_ by handle_events; uncounted here.
    EventStream(StatusApi& api, std::string id) : api_(api), id_(std::move(id)) {}
    ~EventStream() override { api_.open_streams_.fetch_sub(1); }
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    Result<size_t> read(std::span<char> buf) override {
        while (pending_.size() == sent_) {
            if (finished_) return size_t{0};
            pending_.clear();
            sent_ = 0;
            next_event();
        }
        size_t n = std::min(buf.size(), pending_.size() - sent_);
        std::memcpy(buf.data(), pending_.data() + sent_, n);
        sent_ += n;
        return n;
    }

  private:
    // Fills `pending_` with the next thing to send, waiting for it if need be.
    void next_event() {
        auto waited = std::chrono::milliseconds(0);
        for (;;) {
            if (api_.stopping_) {
                finished_ = true;
                return;
            }
            uint64_t seen = api_.jobs_.change_generation(id_);
            auto job = api_.jobs_.get(id_);
            if (!job.is_ok()) {
                if (job.status().code() != StatusCode::kNotFound) {
                    log::warn("event stream",
                              {{"image_id", id_}, {"error", job.status().to_string()}});
                }
                // Deleted (or unreadable): say so and end rather than hang.
                pending_ = "event: error\ndata: {\"error\":{\"code\":\"NoSuchImage\"}}\n\n";
                finished_ = true;
                return;
            }
            if (job->version != last_version_) {
                last_version_ = job->version;
                pending_ = "id: " + std::to_string(job->version) + "\ndata: " +
                           pipeline::dump_json(pipeline::job_json(
                               *job, [this](const auto& v) { return api_.variant_url(v); })) +
                           "\n\n";
                finished_ = queue::is_terminal(job->state);
                return;
            }
            if (waited >= api_.options_.keepalive) {
                pending_ = ": keep-alive\n\n";
                return;
            }
            auto t0 = std::chrono::steady_clock::now();
            api_.jobs_.wait_for_change(id_, seen, api_.options_.poll);
            waited += std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0);
        }
    }

    StatusApi& api_;
    const std::string id_;
    int64_t last_version_ = -1;
    std::string pending_;
    size_t sent_ = 0;
    bool finished_ = false;
};

StatusApi::StatusApi(StatusApiOptions options, queue::JobStore& jobs, store::ObjectStore& store,
                     const Clock& clock)
    : options_(std::move(options)),
      jobs_(jobs),
      store_(store),
      clock_(clock),
      cors_(options_.cors_origins),
      s3_host_(host_of(options_.s3_public_url)) {}

void StatusApi::add_routes(http::Router& router) {
    router.add("GET", "/images/{id}", [this](http::Request& r) { return handle_get(r); });
    router.add("DELETE", "/images/{id}", [this](http::Request& r) { return handle_delete(r); });
    router.add("GET", "/images/{id}/events", [this](http::Request& r) { return handle_events(r); });
    router.add(
        "OPTIONS", "/images/{id}",
        [this](http::Request& r) { return cors_.preflight(r, kImageMethods); },
        http::Execution::kInline);
    router.add(
        "OPTIONS", "/images/{id}/events",
        [this](http::Request& r) { return cors_.preflight(r, kEventMethods); },
        http::Execution::kInline);
}

std::string StatusApi::variant_url(const queue::VariantResult& variant) const {
    std::string path = "/" + variant.bucket + "/" + sigv4::uri_encode(variant.key, true);
    bool public_read = options_.dest_public_read;
    if (options_.bucket_acl_from_store) {
        auto acl = store_.get_bucket_acl(variant.bucket);
        if (acl.is_ok() && *acl) public_read = **acl != store::CannedAcl::kPrivate;
    }
    if (public_read) return options_.s3_public_url + path;
    sigv4::SigningCredentials creds{options_.access_key, options_.secret_key, options_.region,
                                    "s3"};
    return options_.s3_public_url + path + "?" +
           sigv4::presign_query(creds, "GET", s3_host_, path, "", options_.url_expiry,
                                clock_.now());
}

Result<queue::Job> StatusApi::find_job(const std::string& id) {
    if (!pipeline::is_image_id(id)) return no_such_image();
    auto job = jobs_.get(id);
    if (!job.is_ok() && job.status().code() == StatusCode::kNotFound) return no_such_image();
    return job;
}

http::Response StatusApi::answer(const http::Request& request, http::Response r) const {
    r.headers.set("Cache-Control", "no-store");
    cors_.apply(request, r);
    return r;
}

http::Response StatusApi::handle_get(http::Request& request) {
    auto job = find_job(request.path_params["id"]);
    if (!job.is_ok()) return answer(request, error_response(job.status(), request.request_id));
    return answer(request, http::Response::json(
                               200, pipeline::dump_json(pipeline::job_json(
                                        *job, [this](const auto& v) { return variant_url(v); }))));
}

http::Response StatusApi::handle_events(http::Request& request) {
    auto job = find_job(request.path_params["id"]);
    if (!job.is_ok()) return answer(request, error_response(job.status(), request.request_id));
    // Each open stream holds a handler thread while it waits: past the cap, later clients are
    // told to come back rather than let streams starve uploads of threads.
    if (open_streams_.fetch_add(1) >= options_.max_streams) {
        open_streams_.fetch_sub(1);
        http::Response busy = error_response(
            Status(StatusCode::kResourceExhausted, "TooManyRequests",
                   "too many event streams are open; poll GET /images/{id} or retry later"));
        busy.headers.set("Retry-After", "5");
        return answer(request, std::move(busy));
    }
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", "text/event-stream");
    r.headers.set("X-Accel-Buffering", "no");  // nginx: pass events on as they come
    r.source = std::make_unique<EventStream>(*this, job->id);
    return answer(request, std::move(r));
}

http::Response StatusApi::handle_delete(http::Request& request) {
    auto job = find_job(request.path_params["id"]);
    // The job first: a worker still making its variants, or a render, then finds it gone and
    // removes what it stored, instead of leaving objects no job names. What the job named when
    // it went (a variant recorded since `job` was read included) is deleted here.
    Result<std::optional<queue::Job>> removed =
        job.is_ok() ? jobs_.remove(job->id) : Result<std::optional<queue::Job>>(job.status());
    Status st = removed.is_ok() ? store_.delete_object(job->bucket, job->key) : removed.status();
    if (st.is_ok()) {
        // Removed meanwhile by another DELETE: what `job` named is as good as it gets.
        const queue::Job& last = removed->has_value() ? **removed : *job;
        for (const auto* list : {&last.variants, &last.rendered}) {
            for (const auto& v : *list) {
                if (st.is_ok()) st = store_.delete_object(v.bucket, v.key);
            }
        }
    }
    if (!st.is_ok()) return answer(request, error_response(st, request.request_id));
    log::info("image deleted", {{"image_id", job->id}, {"request_id", request.request_id}});
    http::Response r;
    r.status = 204;
    return answer(request, std::move(r));
}

}  // namespace imgpipe::api
