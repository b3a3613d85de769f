#pragma once
// The reasons a job fails with and how the pipeline treats each: the one table that decides
// whether a fault is retried and what message a client sees for it (the status API and the
// webhooks show `error_code` and this message; the detail goes to the log with the job id,
// never to clients). Pure functions; thread-safe.
//
//   UnsupportedFormat, CorruptImage, ImageTooLarge  from the image engine       permanent
//   InvalidVariants    the object's x-amz-meta-variants cannot be used          permanent
//   SourceMissing      the original was deleted before the job ran              permanent
//   SourceTooLarge     the original is over worker.max_source_bytes             permanent
//   RetriesExhausted   transient faults (or worker crashes) on every attempt    permanent
//   anything transient (Status::is_transient(), DiskFull, Busy): retried with backoff

#include <string>
#include <string_view>

#include "core/status.h"

namespace imgpipe::pipeline {

inline constexpr std::string_view kInvalidVariants = "InvalidVariants";
inline constexpr std::string_view kSourceMissing = "SourceMissing";
inline constexpr std::string_view kSourceTooLarge = "SourceTooLarge";
inline constexpr std::string_view kRetriesExhausted = "RetriesExhausted";
// Not a failure: a later upload of the key took the job over, or the image was deleted (the
// run stops, nothing stored).
inline constexpr std::string_view kSuperseded = "Superseded";

// Whether a job that failed with `status` should be tried again later.
bool is_retryable(const Status& status);

// The stable code recorded for a failure: the Status reason, or "InternalError" without one.
std::string error_code_for(const Status& status);

// The code a client is shown: the ones listed above as they are, any other (an environment or
// internal reason such as IoError or NoSuchBucket) as "InternalError".
std::string public_error_code(std::string_view code);

// What a client is told about a failure with this code, for a job that is to be retried or
// has failed for good.
std::string public_error_message(std::string_view code, bool will_retry);

}  // namespace imgpipe::pipeline
