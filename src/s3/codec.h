#pragma once
// Small text codecs the S3 endpoint needs: base64 (Content-MD5, continuation tokens), the
// URL encoding of listing values for `encoding-type=url`, and user metadata between header bytes
// and text. Pure functions, thread-safe.

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

// User metadata is text, but a header value is bytes, and clients disagree on the charset:
// botocore and the Java SDK send UTF-8, Node's http and browsers send Latin-1, and every one
// of them reads response header bytes back as Latin-1. So a value is read as UTF-8 when it is
// valid UTF-8, else as Latin-1 (returns UTF-8 text) ...
std::string metadata_from_header(std::string_view bytes);
// ... and written as Latin-1 when every character fits and none is a control character, so
// that "é" comes back as "é" to every client; otherwise as an RFC 2047 encoded-word
// ("=?UTF-8?B?...?=", what S3 answers for metadata outside US-ASCII). Never emits CR or LF.
std::string metadata_to_header(std::string_view text);

}  // namespace imgpipe::s3
