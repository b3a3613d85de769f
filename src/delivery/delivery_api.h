#pragma once
// DeliveryApi: the `api` role as an image origin for a CDN or for browsers directly.
//
//   GET|HEAD /i/{id}/{name}            the variant (mutable alias: Cache-Control short-lived),
//                                      negotiated by Accept among its formats (Vary: Accept)
//   GET|HEAD /i/{id}/{name}@{etag}     exactly that content: `public, max-age=31536000,
//                                      immutable`; 404 once the variant's content changed
//   GET|HEAD /i/{id}/{W}x{H}[:fit][.format]?sig=...   an on-demand size, rendered on first
//                                      request (OnDemandRenderer) when the URL is signed; without
//                                      .format, negotiated by Accept (jpeg|webp|avif, Vary)
//   GET|HEAD /i/{id}/{preset}          a configured named preset, rendered on first request
//
// Every answer carries a strong ETag (the stored object's MD5), Last-Modified and the stored
// Content-Type; If-None-Match / If-Modified-Since answer 304, If-Match / If-Unmodified-Since
// 412, and a single Range 206 (416 when unsatisfiable), with the S3 endpoint's own rules
// (s3/conditions.h), so both doors to a variant behave alike. Errors are JSON with
// `Cache-Control: no-store`: 404 NoSuchImage / NoSuchVariant, 403 SignatureRequired for an
// unsigned or wrongly signed size that was not made at upload. kBlocking (SQLite, disk, and a
// render on first request), except a repeated content-addressed GET from a local store, which
// is answered on the I/O thread (DeliveryOptions::local_reads). Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/cors.h"
#include "delivery/on_demand_renderer.h"
#include "http/router.h"
#include "imaging/resize_spec.h"
#include "queue/job_store.h"
#include "store/object_store.h"

namespace imgpipe::delivery {

struct DeliveryOptions {
    std::chrono::seconds alias_max_age{60};  // Cache-Control max-age of /i/{id}/{name}
    std::string signing_key;                 // "" → no on-demand size is ever rendered
    std::map<std::string, imaging::VariantSpec> presets;  // by name (REQUIRES: spec.name == key)
    imaging::SpecLimits limits;
    std::vector<std::string> cors_origins = {"*"};
    // The object store reads from this machine's disk (the local store, never a remote one):
    // a content-addressed URL already resolved is then served on the I/O thread, without the
    // trip to the handler pool (http::RouteOptions::inline_answer).
    bool local_reads = false;
};

class DeliveryApi {
  public:
    // The job store, object store and renderer outlive the DeliveryApi and its routes.
    DeliveryApi(DeliveryOptions options, queue::JobStore& jobs, store::ObjectStore& store,
                OnDemandRenderer& renderer);

    void add_routes(http::Router& router);
    http::Response handle_get(http::Request& request);
    // The answer to a content-addressed URL whose variant was resolved before (no job look-up);
    // nullopt for any other request.
    std::optional<http::Response> serve_resolved(http::Request& request);

  private:
    // Which stored object answers a request, and how it may be cached.
    struct Choice {
        std::string bucket;
        std::string key;
        std::string etag;  // required ETag (a content-addressed URL), "" for any
        bool vary_accept = false;
    };
    std::optional<Choice> resolved(const std::string& name);
    void remember(const std::string& name, const Choice& choice);
    Result<Choice> choose(const http::Request& request, const queue::Job& job,
                          const std::string& name);
    http::Response serve(const http::Request& request, const Choice& choice);

    const DeliveryOptions options_;
    queue::JobStore& jobs_;
    store::ObjectStore& store_;
    OnDemandRenderer& renderer_;
    api::CorsPolicy cors_;
    std::mutex mu_;
    // "id/name" of content-addressed URLs served → where; cleared when it grows past a bound.
    std::unordered_map<std::string, Choice> resolved_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::delivery
