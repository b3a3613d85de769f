#pragma once
// How an S3 service's error responses become imgpipe Statuses: the reason is the S3 error code
// as sent (NoSuchKey, BucketNotEmpty, ...), so the ObjectStore contract's reasons hold for a
// remote store too, and the StatusCode is the one the local store uses for that reason. One
// table; pure functions, thread-safe.

#include <string>
#include <string_view>

#include "core/status.h"

namespace imgpipe::store::s3 {

// The Status for an error response: `body` is S3's <Error> XML (may be empty, as for HEAD).
// Without a code in the body, the HTTP status decides (404 → NoSuchKey, 412 →
// PreconditionFailed, 5xx → ServiceUnavailable, ...). The message carries the service's
// message and request id, for the log.
Status s3_error(long http_status, std::string_view body, std::string_view request_id);

// True for responses worth sending again after a pause: 5xx, 429, and the codes S3 documents
// as transient (SlowDown, RequestTimeout, InternalError, ServiceUnavailable).
bool is_retryable(long http_status, std::string_view reason);

// The StatusCode imgpipe uses for an S3 error code, given the HTTP status it came with.
StatusCode status_code_for(std::string_view reason, long http_status);

}  // namespace imgpipe::store::s3
