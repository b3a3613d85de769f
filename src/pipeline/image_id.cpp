#include "pipeline/image_id.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64url.h"

namespace imgpipe::pipeline {
namespace {

constexpr size_t kIdLength = 22;

}  // namespace

bool is_image_id(std::string_view text) {
    if (text.size() != kIdLength) return false;
    for (char c : text) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string ImageIds::id_for(std::string_view bucket, std::string_view key) const {
    // "<upload prefix><id>/<filename>": exactly the upload API's key shape.
    if (key.substr(0, upload_prefix_.size()) == upload_prefix_) {
        std::string_view rest = key.substr(upload_prefix_.size());
        auto slash = rest.find('/');
        if (slash != std::string_view::npos && is_image_id(rest.substr(0, slash)) &&
            slash + 1 < rest.size() && rest.find('/', slash + 1) == std::string_view::npos) {
            return std::string(rest.substr(0, slash));
        }
    }
    std::string material(bucket);
    material.push_back('\0');  // "a" + "b/c" and "a/b" + "c" must differ
    material.append(key);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(material.data()), material.size(), mac,
         &mac_length);
    return base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_length))
        .substr(0, kIdLength);
}

}  // namespace imgpipe::pipeline
