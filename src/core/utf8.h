#pragma once
// is_valid_utf8: whether bytes are well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). For text that arrives as bytes (HTTP header values,
// object keys) before it goes where only UTF-8 may go (JSON). Pure function.

#include <string_view>

namespace imgpipe {

bool is_valid_utf8(std::string_view bytes);

}  // namespace imgpipe
