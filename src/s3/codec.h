#pragma once
// Small text codecs the S3 endpoint needs: base64 (Content-MD5, continuation tokens) and the
// URL encoding of listing values for `encoding-type=url`. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe::s3 {

// Standard alphabet with '=' padding; `url_safe` uses '-' and '_' instead of '+' and '/'.
std::string base64_encode(std::string_view bytes, bool url_safe = false);
// nullopt for malformed input (wrong length, bad characters, misplaced padding).
std::optional<std::string> base64_decode(std::string_view text, bool url_safe = false);

// encoding-type=url: every byte except unreserved characters and '/' as %XX, as AWS answers
// (clients undo it with a plain or form URL-decode; spaces become %20, never '+').
std::string url_encode_listing(std::string_view value);

}  // namespace imgpipe::s3
