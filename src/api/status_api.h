#pragma once
// StatusApi: the image status endpoints of the `api` role (DESIGN.md §4).
//
//   GET    /images/{id}          200 the job's JSON (pipeline/job_json.h) with a URL per variant
//   GET    /images/{id}/events   server-sent events: the job's JSON now and after every change,
//                                closing after a terminal state (at once if already terminal)
//   DELETE /images/{id}          204; the original, its variants (made at upload and rendered on
//                                request since) and the job are removed
//   OPTIONS on each              CORS preflight
//
// An unknown or malformed id is 404 {"error":{"code":"NoSuchImage",...}}. Variant URLs are
// presigned GETs on the public S3 URL (valid for `url_expiry`), or plain URLs when the
// destination bucket is public-read (configured, or by its ACL in the store). The handlers are
// kBlocking (they read SQLite; an event stream waits for changes on the handler pool, sending a
// comment line every `keepalive` so proxies keep the connection; at most `max_streams` at once,
// more are 429). stop() ends every open stream. Thread-safe.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "api/cors.h"
#include "core/clock.h"
#include "http/router.h"
#include "queue/job_store.h"
#include "store/object_store.h"

namespace imgpipe::api {

struct StatusApiOptions {
    std::string s3_public_url;  // "http://127.0.0.1:9000", no trailing slash
    std::string region = "us-east-1";
    std::string access_key;  // what variant URLs are presigned with
    std::string secret_key;
    bool dest_public_read = false;
    // The store keeps the bucket ACLs set through imgpipe's S3 endpoint (the local store): a
    // destination bucket's own ACL, once set, decides instead of dest_public_read. Off for a
    // remote store, which would be asked over the network for every URL.
    bool bucket_acl_from_store = false;
    std::chrono::seconds url_expiry{3600};
    std::vector<std::string> cors_origins = {"*"};
    std::chrono::milliseconds keepalive{15'000};
    // How often a stream re-reads the job when nothing in this process changed it (a worker in
    // another process sharing the data dir).
    std::chrono::milliseconds poll{500};
    // Event streams open at once; more get 429 TooManyRequests. Each holds a handler thread, so
    // keep it well under http.handler_threads.
    int max_streams = 32;
};

class StatusApi {
  public:
    // The job store, object store and clock outlive the StatusApi and its routes.
    StatusApi(StatusApiOptions options, queue::JobStore& jobs, store::ObjectStore& store,
              const Clock& clock);

    void add_routes(http::Router& router);

    http::Response handle_get(http::Request& request);
    http::Response handle_events(http::Request& request);
    http::Response handle_delete(http::Request& request);

    // Ends open event streams (at their next wake-up) so a graceful stop need not wait for them.
    void stop() { stopping_ = true; }

    // The URL a client fetches a variant from.
    std::string variant_url(const queue::VariantResult& variant) const;

  private:
    class EventStream;

    // The job of a well-formed, known id; NoSuchImage (kNotFound) otherwise.
    Result<queue::Job> find_job(const std::string& id);
    // `r` with the headers every answer of these routes carries.
    http::Response answer(const http::Request& request, http::Response r) const;

    StatusApiOptions options_;
    queue::JobStore& jobs_;
    store::ObjectStore& store_;
    const Clock& clock_;
    CorsPolicy cors_;
    std::string s3_host_;  // host[:port] of s3_public_url, what presigned URLs sign
    std::atomic<bool> stopping_{false};
    std::atomic<int> open_streams_{0};
};

}  // namespace imgpipe::api
