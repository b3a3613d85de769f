#include "store/s3/s3_errors.h"

#include <array>
#include <pugixml.hpp>
#include <utility>

namespace imgpipe::store::s3 {
namespace {

// S3 error codes whose kind is not what their HTTP status alone would suggest, with the
// StatusCode the local store returns for them (object_store.h).
constexpr std::array<std::pair<std::string_view, StatusCode>, 27> kCodes = {{
    {"NoSuchBucket", StatusCode::kNotFound},
    {"NoSuchKey", StatusCode::kNotFound},
    {"NoSuchUpload", StatusCode::kNotFound},
    {"NoSuchCORSConfiguration", StatusCode::kNotFound},
    {"BucketAlreadyOwnedByYou", StatusCode::kAlreadyExists},
    {"BucketAlreadyExists", StatusCode::kAlreadyExists},
    {"BucketNotEmpty", StatusCode::kFailedPrecondition},
    {"PreconditionFailed", StatusCode::kFailedPrecondition},
    {"InvalidBucketName", StatusCode::kInvalidArgument},
    {"KeyTooLongError", StatusCode::kInvalidArgument},
    {"BadDigest", StatusCode::kInvalidArgument},
    {"InvalidDigest", StatusCode::kInvalidArgument},
    {"InvalidPart", StatusCode::kInvalidArgument},
    {"InvalidPartOrder", StatusCode::kInvalidArgument},
    {"EntityTooSmall", StatusCode::kInvalidArgument},
    {"EntityTooLarge", StatusCode::kResourceExhausted},
    {"InvalidRange", StatusCode::kOutOfRange},
    {"AccessDenied", StatusCode::kPermissionDenied},
    {"InvalidAccessKeyId", StatusCode::kUnauthenticated},
    {"SignatureDoesNotMatch", StatusCode::kUnauthenticated},
    {"RequestTimeTooSkewed", StatusCode::kPermissionDenied},
    {"SlowDown", StatusCode::kUnavailable},
    {"ServiceUnavailable", StatusCode::kUnavailable},
    {"InternalError", StatusCode::kUnavailable},
    {"RequestTimeout", StatusCode::kUnavailable},
    {"QuotaExceeded", StatusCode::kResourceExhausted},
    {"NotImplemented", StatusCode::kUnimplemented},
}};

// The reason for a body-less error response (HEAD), by HTTP status.
std::string_view reason_for_status(long http_status) {
    switch (http_status) {
        case 400:
            return "InvalidRequest";
        case 403:
            return "AccessDenied";
        case 404:
            return "NoSuchKey";
        case 409:
            return "Conflict";
        case 412:
            return "PreconditionFailed";
        case 416:
            return "InvalidRange";
        case 503:
            return "SlowDown";
        default:
            return http_status >= 500 ? "ServiceUnavailable" : "InvalidRequest";
    }
}

}  // namespace

StatusCode status_code_for(std::string_view reason, long http_status) {
    for (const auto& [code, status] : kCodes) {
        if (code == reason) return status;
    }
    if (http_status >= 500) return StatusCode::kUnavailable;
    switch (http_status) {
        case 401:
            return StatusCode::kUnauthenticated;
        case 403:
            return StatusCode::kPermissionDenied;
        case 404:
            return StatusCode::kNotFound;
        case 409:
        case 412:
            return StatusCode::kFailedPrecondition;
        default:
            return StatusCode::kInvalidArgument;
    }
}

Status s3_error(long http_status, std::string_view body, std::string_view request_id) {
    std::string reason;
    std::string message;
    pugi::xml_document doc;
    if (!body.empty() && doc.load_buffer(body.data(), body.size())) {
        pugi::xml_node error = doc.child("Error");
        reason = error.child_value("Code");
        message = error.child_value("Message");
    }
    if (reason.empty()) reason = reason_for_status(http_status);
    std::string detail = "S3 service answered " + std::to_string(http_status) + " " + reason;
    if (!message.empty()) detail += ": " + message;
    if (!request_id.empty()) detail += " (request id " + std::string(request_id) + ")";
    return {status_code_for(reason, http_status), reason, detail};
}

bool is_retryable(long http_status, std::string_view reason) {
    if (reason == "SlowDown" || reason == "RequestTimeout" || reason == "InternalError" ||
        reason == "ServiceUnavailable") {
        return true;
    }
    return http_status >= 500 || http_status == 429;
}

}  // namespace imgpipe::store::s3
