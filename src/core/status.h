#pragma once
// Status: the outcome of an operation that can fail, returned across every module boundary.
//
// A Status is a generic `StatusCode` (what kind of failure, decides retry and HTTP class), a
// `reason` (a stable machine-readable name such as "NoSuchKey" or "CorruptImage" that edges map
// to protocol error codes through one table) and a `message` (internal detail for the log; never
// shown to clients as is). Expected outcomes (not found, bad input, over a limit) are Status
// values, never exceptions. Status is a value type; it is not thread-safe to mutate one instance
// from several threads, like any std type.

#include <string>
#include <string_view>
#include <utility>

namespace imgpipe {

enum class StatusCode {
    kOk = 0,
    kInvalidArgument,     // the caller's input is wrong; retrying the same input fails again
    kNotFound,            // the named thing does not exist
    kAlreadyExists,       // it exists and must not
    kPermissionDenied,    // authenticated, but not allowed
    kUnauthenticated,     // credentials missing or wrong
    kFailedPrecondition,  // a condition on the current state does not hold (If-Match, ...)
    kOutOfRange,          // a range or offset outside the data
    kResourceExhausted,   // a limit was crossed (size, rate, disk full)
    kDeadlineExceeded,    // ran out of time
    kUnavailable,         // transient: a dependency is down; retry with backoff
    kAborted,             // the operation was cancelled or the peer went away
    kDataLoss,            // stored data is damaged
    kUnimplemented,       // not supported by this implementation
    kInternal,            // a bug or an unexpected failure of the environment
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(StatusCode code, std::string reason, std::string message)
        : code_(code), reason_(std::move(reason)), message_(std::move(message)) {}

    static Status ok() { return {}; }

    bool is_ok() const { return code_ == StatusCode::kOk; }
    explicit operator bool() const { return is_ok(); }
    StatusCode code() const { return code_; }
    // Stable name of the specific failure ("NoSuchKey"); empty when only `code` is known.
    const std::string& reason() const { return reason_; }
    const std::string& message() const { return message_; }

    // Returns a copy whose message is prefixed with `context` (for the log).
    Status with_context(std::string_view context) const;
    // "NotFound/NoSuchKey: message", for logs and test failures.
    std::string to_string() const;

    // Transient failures that a caller may retry with backoff.
    bool is_transient() const {
        return code_ == StatusCode::kUnavailable || code_ == StatusCode::kDeadlineExceeded;
    }

  private:
    StatusCode code_ = StatusCode::kOk;
    std::string reason_;
    std::string message_;
};

inline bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.reason() == b.reason();
}

// Shorthands; `reason` may be empty.
inline Status invalid_argument(std::string reason, std::string message) {
    return {StatusCode::kInvalidArgument, std::move(reason), std::move(message)};
}
inline Status not_found(std::string reason, std::string message) {
    return {StatusCode::kNotFound, std::move(reason), std::move(message)};
}
inline Status io_error(std::string message) {
    return {StatusCode::kUnavailable, "IoError", std::move(message)};
}
inline Status internal_error(std::string message) {
    return {StatusCode::kInternal, "InternalError", std::move(message)};
}

}  // namespace imgpipe

// Returns early from the enclosing function if `expr` (a Status) is not ok.
#define IMGPIPE_RETURN_IF_ERROR(expr)               \
    do {                                            \
        ::imgpipe::Status imgpipe_status_ = (expr); \
        if (!imgpipe_status_.is_ok()) {             \
            return imgpipe_status_;                 \
        }                                           \
    } while (false)
