#include "pipeline/image_id.h"

#include <openssl/sha.h>

namespace imgpipe::pipeline {
namespace {

constexpr size_t kIdLength = 22;

std::string base64url_prefix(const unsigned char* bytes, size_t length, size_t chars) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < length && out.size() < chars; ++i) {
        acc = (acc << 8) | bytes[i];
        bits += 8;
        while (bits >= 6 && out.size() < chars) {
            bits -= 6;
            out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
        }
    }
    return out;
}

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

std::string image_id_for(std::string_view bucket, std::string_view key) {
    // "<prefix>/<id>/<filename>", the upload API's key shape.
    auto last = key.rfind('/');
    if (last != std::string_view::npos && last > 0) {
        auto before = key.rfind('/', last - 1);
        auto id = key.substr(before == std::string_view::npos ? 0 : before + 1,
                             last - (before == std::string_view::npos ? 0 : before + 1));
        if (before != std::string_view::npos && is_image_id(id)) return std::string(id);
    }
    std::string material(bucket);
    material.push_back('\0');  // "a" + "b/c" and "a/b" + "c" must differ
    material.append(key);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
    return base64url_prefix(digest, sizeof digest, kIdLength);
}

}  // namespace imgpipe::pipeline
