#pragma once
// Unpadded base64url text of bytes (RFC 4648 §5: A-Z a-z 0-9 - _), as ids are written so that
// they are URL-, key- and file-name-safe. Pure function.

#include <string>
#include <string_view>

namespace imgpipe {

// Every 6 bits one character; a last partial group padded with zero bits, no '='.
std::string base64url(std::string_view bytes);

}  // namespace imgpipe
