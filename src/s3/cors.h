#pragma once
// CORS for the S3 endpoint, so browser code (fetch/XHR uploads, aws-sdk-js in a page) can call
// it: preflight answers for OPTIONS and the Allow-Origin/Expose-Headers pair on actual
// responses, for the origins in S3Options::cors_origins ("*" allows any). Pure functions,
// thread-safe.

#include "http/request.h"
#include "s3/context.h"

namespace imgpipe::s3 {

// Answers an OPTIONS preflight: 200 with Access-Control-Allow-Origin/Methods/Headers/Max-Age
// when Origin and Access-Control-Request-Method are present and allowed; 403 AccessDenied for a
// disallowed origin or method; 400 when either header is missing.
http::Response cors_preflight(const S3Options& options, const http::Request& request);

// Adds Access-Control-Allow-Origin, Access-Control-Expose-Headers and Vary: Origin when the
// request has an allowed Origin.
void add_cors_headers(const S3Options& options, const http::Request& request,
                      http::Response& response);

}  // namespace imgpipe::s3
