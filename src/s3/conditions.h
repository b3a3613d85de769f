#pragma once
// Conditional requests and byte ranges for GetObject/HeadObject/CopyObject: If-Match,
// If-None-Match, If-Modified-Since, If-Unmodified-Since with S3's precedence, and the Range
// header (bytes=a-b, open bytes=a-, suffix bytes=-n). Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/headers.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

enum class Precondition { kProceed, kNotModified, kFailed };

// Evaluates the conditional headers (named `prefix` + "if-match" etc.; prefix
// "x-amz-copy-source-" for CopyObject) against an object. S3's rules (RFC 7232 §6): If-Match
// decides alone when present (If-Unmodified-Since is then ignored); If-None-Match decides
// alone when present (If-Modified-Since is then ignored); a failed If-Match/If-Unmodified-Since
// is kFailed (412) and a failed If-None-Match/If-Modified-Since kNotModified (304). Unparsable
// dates are ignored.
Precondition evaluate_preconditions(const http::Headers& headers, std::string_view etag,
                                    store::TimePoint last_modified, std::string_view prefix = "");

// Resolves a Range header against an object of `size` bytes: nullopt for the whole object
// (no header, or one S3 ignores: not "bytes=", several ranges, malformed numbers);
// kOutOfRange/InvalidRange when it cannot be satisfied (first byte past the end, empty suffix).
Result<std::optional<store::ByteRange>> resolve_range(std::optional<std::string_view> header,
                                                      uint64_t size);

}  // namespace imgpipe::s3
