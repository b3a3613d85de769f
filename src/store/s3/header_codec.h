#pragma once
// How object attributes travel as HTTP headers to and from an S3 service: Content-Type, the five
// standard headers S3 keeps (cache-control, content-disposition, content-encoding,
// content-language, expires) and x-amz-meta-* user metadata. HTTP header values cannot carry
// every byte (NUL, control characters) and services differ on others (Latin-1, UTF-8), so a value
// that is not plain printable ASCII travels RFC 2047-encoded ("=?UTF-8?B?<base64>?=", what AWS
// itself uses for non-ASCII metadata) and is decoded on the way back: values round-trip byte for
// byte. Pure functions, thread-safe.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/object_store.h"

namespace imgpipe::store::s3 {

// The value as sent: unchanged when it is printable ASCII without edge spaces and does not
// itself look encoded; RFC 2047 B-encoded otherwise.
std::string encode_header_value(const std::string& value);
// The inverse; values that are not "=?UTF-8?B?...?=" (any case) come back unchanged.
std::string decode_header_value(const std::string& value);

// Request headers (lower-case names) carrying `attributes`.
std::vector<std::pair<std::string, std::string>> attribute_headers(
    const ObjectAttributes& attributes);
// The attributes in a HEAD/GET response's headers (lower-case names).
ObjectAttributes attributes_from(const std::map<std::string, std::string>& headers);
// x-amz-checksum-<algorithm>: <value>, appended to request headers.
void add_checksum_header(const ObjectChecksum& checksum,
                         std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace imgpipe::store::s3
