#include "core/status.h"

namespace imgpipe {

std::string_view status_code_name(StatusCode code) {
    switch (code) {
        case StatusCode::kOk:
            return "Ok";
        case StatusCode::kInvalidArgument:
            return "InvalidArgument";
        case StatusCode::kNotFound:
            return "NotFound";
        case StatusCode::kAlreadyExists:
            return "AlreadyExists";
        case StatusCode::kPermissionDenied:
            return "PermissionDenied";
        case StatusCode::kUnauthenticated:
            return "Unauthenticated";
        case StatusCode::kFailedPrecondition:
            return "FailedPrecondition";
        case StatusCode::kOutOfRange:
            return "OutOfRange";
        case StatusCode::kResourceExhausted:
            return "ResourceExhausted";
        case StatusCode::kDeadlineExceeded:
            return "DeadlineExceeded";
        case StatusCode::kUnavailable:
            return "Unavailable";
        case StatusCode::kAborted:
            return "Aborted";
        case StatusCode::kDataLoss:
            return "DataLoss";
        case StatusCode::kUnimplemented:
            return "Unimplemented";
        case StatusCode::kInternal:
            return "Internal";
    }
    return "Unknown";
}

Status Status::with_context(std::string_view context) const {
    if (is_ok()) return *this;
    return {code_, reason_, std::string(context) + ": " + message_};
}

std::string Status::to_string() const {
    if (is_ok()) return "Ok";
    std::string out(status_code_name(code_));
    if (!reason_.empty()) out += "/" + reason_;
    if (!message_.empty()) out += ": " + message_;
    return out;
}

}  // namespace imgpipe
