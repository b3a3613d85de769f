#pragma once
// Hex text of bytes (lower case, as ETags, SigV4 signatures and digests are written) and back.
// Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe {

std::string to_hex(std::string_view bytes);
// Hex (either case) to bytes; nullopt when `hex` is not an even-length hex string.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace imgpipe
