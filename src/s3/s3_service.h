#pragma once
// S3Service: the S3-compatible REST endpoint. One entry point, `handle`, registered by src/app
// as the router fallback (kBlocking) of the s3 listener. It resolves the addressed bucket and key
// (path-style or virtual-hosted-style), decides the operation, authenticates (SigV4 header or
// presigned query; anonymous only for public buckets) before touching the body (so
// `Expect: 100-continue` is answered only for authorised requests), checks the key's allowed
// buckets and actions, and hands over to the operation's handler (handlers.h) or to
// post_object() for browser uploads (authenticated by form fields in the body, which the server
// prefetches on its I/O thread: see route_options). Every response carries x-amz-request-id and,
// for allowed origins, CORS headers.
//
// Immutable after construction; `handle` is thread-safe (the context's store, verifier and
// keyring are).

#include "http/request.h"
#include "http/router.h"
#include "s3/context.h"

namespace imgpipe::s3 {

class S3Service {
  public:
    // REQUIRES: context.store and context.clock are set; context.verifier is set if any
    // request may carry credentials.
    explicit S3Service(S3Context context);

    http::Response handle(http::Request& request) const;

    // How the s3 listener's router declares `handle` (its fallback): kBlocking, with the body
    // prefetch a POST Object's form fields need (post_object.h).
    http::RouteOptions route_options() const;
    // The listener's busy answer (http::Router::set_busy_response): 503 SlowDown as S3 XML. Not
    // logged: under a flood it is sent often, and the server logs the refusals itself.
    static http::Response busy_response(const http::Request& request);

    const S3Context& context() const { return context_; }

  private:
    S3Context context_;
};

}  // namespace imgpipe::s3
