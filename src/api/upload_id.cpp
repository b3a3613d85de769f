#include "api/upload_id.h"

#include <openssl/rand.h>

#include <array>

namespace imgpipe::api {

Result<std::string> new_upload_id() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        return Status(StatusCode::kInternal, "RandomFailed", "RAND_bytes failed");
    }
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string id;
    id.reserve(22);
    // 6 bits per character: 128 bits give 21 full characters and 2 bits in the last one.
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char b : bytes) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            id.push_back(kAlphabet[(acc >> bits) & 0x3F]);
        }
    }
    if (bits > 0) id.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
    return id;
}

}  // namespace imgpipe::api
