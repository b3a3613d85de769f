#pragma once
// Signed delivery URLs: only a URL signed with the configured key (delivery.signing_key) makes
// the server render a size that was not made at upload, so nobody can make it render arbitrary
// sizes. The signature is base64url(HMAC-SHA256(key, path)) of the path as requested
// ("/i/{id}/640x480:inside.webp", still percent-encoded as sent), passed as `?sig=`; whoever
// publishes the URL (the application's server) computes it, e.g. with `imgpipe delivery sign`.
// Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace imgpipe::delivery {

// The `sig` value for `path`. REQUIRES: !key.empty().
std::string sign_path(std::string_view key, std::string_view path);

// True when `signature` is sign_path(key, path); compared in constant time. False for an empty
// key (signing is then off).
bool verify_path(std::string_view key, std::string_view path, std::string_view signature);

// The value of query parameter `name` in a raw query string ("a=1&sig=x"), not decoded;
// "" when absent.
std::string query_param(std::string_view query, std::string_view name);

}  // namespace imgpipe::delivery
