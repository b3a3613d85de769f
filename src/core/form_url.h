#pragma once
// Percent-encoding, decoded strictly, as SigV4 (RFC 3986), RFC 5987 header values and
// application/x-www-form-urlencoded text want it; the one decoder the project has.
//
// Form encoding is how S3 event notifications write object keys: unreserved
// characters (A-Za-z0-9 - _ . ~) and '/' kept, a space as '+', every other byte %XX (upper
// case). "user@x red flower.jpg" → "user%40x+red+flower.jpg". Decoding takes '+' as a space and
// %XX in either case, so it reads MinIO's and AWS's keys alike (both encode '/' or not). Pure
// functions.

#include <optional>
#include <string>
#include <string_view>

namespace imgpipe {

// %XX (either case) decoded, every other byte kept, '+' as a space when `plus_is_space`.
// nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

std::string form_url_encode(std::string_view text);
// percent_decode(text, /*plus_is_space=*/true).
std::optional<std::string> form_url_decode(std::string_view text);

}  // namespace imgpipe
