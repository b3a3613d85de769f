#include "delivery/url_signature.h"

#include <openssl/crypto.h>

#include "core/base64url.h"
#include "sigv4/sigv4.h"

namespace imgpipe::delivery {

std::string sign_path(std::string_view key, std::string_view path) {
    return base64url(sigv4::hmac_sha256(key, path));
}

bool verify_path(std::string_view key, std::string_view path, std::string_view signature) {
    if (key.empty()) return false;
    const std::string expected = sign_path(key, path);
    return signature.size() == expected.size() &&
           CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

std::string query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
        }
    }
    return "";
}

}  // namespace imgpipe::delivery
