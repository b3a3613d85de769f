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

// Whether a job that failed with `status` should be tried again later.
bool is_retryable(const Status& status);

// The stable code recorded for a failure: the Status reason, or "InternalError" without one.
std::string error_code_for(const Status& status);

// What a client is told about a failure with this code.
std::string public_error_message(std::string_view code);

}  // namespace imgpipe::pipeline
