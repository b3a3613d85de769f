#pragma once
// application/x-www-form-urlencoded text, as S3 event notifications write object keys: unreserved
// characters (A-Za-z0-9 - _ . ~) and '/' kept, a space as '+', every other byte %XX (upper
// case). "user@x red flower.jpg" → "user%40x+red+flower.jpg". Decoding takes '+' as a space and
// %XX in either case, so it reads MinIO's and AWS's keys alike (both encode '/' or not). Pure
// functions.

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe {

std::string form_url_encode(std::string_view text);
// nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> form_url_decode(std::string_view text);

}  // namespace imgpipe
