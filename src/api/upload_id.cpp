#include "api/upload_id.h"

#include <sys/random.h>

#include <array>

namespace imgpipe::api {

Result<std::string> new_upload_id() {
    // The kernel's CSPRNG in one call: OpenSSL's RAND_bytes took ~7% of a presign (locking
    // around its DRBG). Requests of up to 256 bytes are never cut short by signals.
    std::array<unsigned char, 16> bytes{};
    if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
        return Status(StatusCode::kInternal, "RandomFailed", "getrandom failed");
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
