#include "api/upload_id.h"

#include <sys/random.h>

#include <array>

#include "core/base64url.h"

namespace imgpipe::api {

Result<std::string> new_upload_id() {
    // The kernel's CSPRNG in one call: OpenSSL's RAND_bytes took ~7% of a presign (locking
    // around its DRBG). Requests of up to 256 bytes are never cut short by signals.
    std::array<unsigned char, 16> bytes{};
    if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
        return Status(StatusCode::kInternal, "RandomFailed", "getrandom failed");
    }
    // 128 bits: 21 full characters and 2 bits in the last one.
    return base64url(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace imgpipe::api
