#pragma once
// The S3 error table: the one place where a Status becomes an S3 error (code, HTTP status,
// public message) and an `<Error>` XML response. Every handler of the S3 endpoint (REST and
// POST Object) answers failures through `error_response`.
//
// A Status's `reason` is looked up first (reasons are S3 error names, plus a few internal ones
// such as "IoError"); an unknown reason falls back on the StatusCode. The Status message is
// internal detail: it is never sent to the client. For 5xx answers it is logged with the request
// id. All functions are pure (apart from that log line) and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/request.h"

namespace imgpipe::s3 {

struct S3Error {
    std::string_view code;     // "NoSuchKey"
    int http_status = 500;     // 404
    std::string_view message;  // public text, as AWS words it
};

// The table row for an S3 error name (or internal reason), or nullopt when it has none.
std::optional<S3Error> find_s3_error(std::string_view reason);

// The S3 error a Status is answered with: by reason, else by StatusCode.
// REQUIRES: !status.is_ok()
S3Error s3_error_for(const Status& status);

// What a handler may add to an error body beyond the table.
struct ErrorExtras {
    // Replaces the table's public message when not empty (e.g. POST policy failures, which
    // AWS words per condition). Only for text meant for the client.
    std::string message;
    // Elements after <Message>, in order: {"ProposedSize", "1024"}, {"MaxSizeAllowed", "10"}.
    std::vector<std::pair<std::string, std::string>> elements;
};

// Renders `<?xml ...?><Error><Code/><Message/>[extras]<Resource/><RequestId/></Error>` (no
// namespace) with the S3 status, Content-Type application/xml and x-amz-request-id. 5xx errors
// (except 501) are logged with the status detail and the request id. Callers answering HEAD drop
// the body (see `drop_body_for_head`).
http::Response error_response(const Status& status, std::string_view resource,
                              std::string_view request_id, const ErrorExtras& extras = {});

// HEAD error responses carry no body: clears it (and its Content-Type), keeping the status and
// the other headers.
void drop_body_for_head(http::Response& response);

}  // namespace imgpipe::s3
