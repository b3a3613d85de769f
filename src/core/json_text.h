#pragma once
// JSON text for hot paths: appends string literals to a buffer without building a document.
// The upload API writes its answer (~1.5 KB, mostly one base64 policy) this way: building an
// nlohmann object and dumping it cost ~10% of a presign. The output is byte-for-byte what
// nlohmann::json::dump() and JavaScript's JSON.stringify write for the same string: `"`, `\`
// and control characters escaped (\b \f \n \r \t, else \u00xx), everything else as it is.
// Pure functions.

#include <string>
#include <string_view>

namespace imgpipe::json_text {

// Appends `s` as a quoted JSON string. REQUIRES: `s` is valid UTF-8 (it is copied unchecked).
void append_string(std::string& out, std::string_view s);

}  // namespace imgpipe::json_text
