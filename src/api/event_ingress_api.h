#pragma once
// EventIngressApi: `POST /events/s3` on the api role, where an external store's bucket
// notifications enter the pipeline (DESIGN.md §7): Ceph RGW and MinIO HTTP push endpoints, AWS
// via SNS/EventBridge HTTPS, an imgpipe `s3` process. The body is S3 event notification JSON in
// any of their dialects (pipeline/s3_event.h: RGW's `ceph:s3` keys arrive raw, AWS's
// form-URL-encoded); every record goes to EventIngress, which records the job and queues it.
// A redelivered record (same sequencer, or same creation) changes nothing: the job store keeps
// the creation it has and the queue drops a message id it has seen.
//
// Authentication, compared in constant time: `Authorization: Bearer <ingress token>`, or Basic
// auth whose password is the token (a push endpoint URL with credentials), checked before the
// body is read; or, without an Authorization header, the token as the `opaqueData` of every
// record (Ceph RGW's topic OpaqueData: its HTTP push cannot add headers). Anything else: 401.
// Answers: 200 {"records":N,"jobs":M}; 400 InvalidEvent for a body that is not a notification; 413
// past 1 MiB; 500 when the queue or job store fails (the store's notification retry then delivers
// it again). Thread-safe.

#include <string>

#include "http/router.h"
#include "pipeline/event_ingress.h"

namespace imgpipe::api {

struct EventIngressApiOptions {
    std::string token;  // REQUIRES: non-empty
    uint64_t max_body = 1024 * 1024;
};

class EventIngressApi {
  public:
    // `ingress` outlives this.
    EventIngressApi(EventIngressApiOptions options, pipeline::EventIngress& ingress);

    void add_routes(http::Router& router);
    http::Response handle(http::Request& request);
    // True when the request carries the token.
    bool authorized(const http::Request& request) const;

  private:
    static http::Response unauthorized();
    bool records_carry_token(std::string_view body) const;

    EventIngressApiOptions options_;
    pipeline::EventIngress& ingress_;
};

}  // namespace imgpipe::api
