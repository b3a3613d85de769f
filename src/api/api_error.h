#pragma once
// The upload API's error table: the one place a Status becomes an HTTP status and a JSON body
// `{"error":{"code":"InvalidFilename","message":"..."}}`.
//
// A Status's `reason` is the public error code. Validation reasons (4xx) carry a message written
// for the client (it says what to fix and never echoes secrets); anything not in the table is an
// internal failure: 500 with code InternalError and a generic message, the detail logged with
// the request id. Pure functions (apart from that log line); thread-safe.

#include <string_view>

#include "core/status.h"
#include "http/request.h"

namespace imgpipe::api {

// The HTTP status for a reason: InvalidJson, InvalidRequest, InvalidFilename, InvalidSize,
// InvalidVariants, ContentTypeMismatch, InvalidEvent → 400; Unauthorized → 401;
// CorsNotAllowed → 403; NotFound, NoSuchImage → 404;
// MethodNotAllowed → 405;
// EntityTooLarge, RequestTooLarge → 413; UnsupportedMediaType → 415; TooManyRequests → 429;
// anything else → 500.
int http_status_for(std::string_view reason);

// The JSON error response for `status`. `request_id` only goes to the log (for 5xx).
// REQUIRES: !status.is_ok()
http::Response error_response(const Status& status, std::string_view request_id = "");

}  // namespace imgpipe::api
