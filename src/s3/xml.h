#pragma once
// XML helpers for the S3 endpoint, on pugixml: building result documents in the S3 namespace,
// rendering them with the `<?xml version="1.0" encoding="UTF-8"?>` prolog AWS sends, parsing
// request bodies (CreateBucketConfiguration, Delete, CompleteMultipartUpload) and the two time
// formats S3 uses. Pure functions, thread-safe.

#include <chrono>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time_text.h"

namespace imgpipe::s3 {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
// What every rendered document starts with.
inline constexpr std::string_view kXmlProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// A document whose root `name` carries xmlns=kS3Namespace.
pugi::xml_node append_result_root(pugi::xml_document& doc, std::string_view name);
// Appends <name>text</name> to `parent` and returns it.
pugi::xml_node append_text(pugi::xml_node parent, std::string_view name, std::string_view text);

// The document as bytes with the UTF-8 prolog, no indentation.
std::string render_xml(const pugi::xml_document& doc);

// Parses a request body; MalformedXML when it is not well-formed or its root is not `root`
// (namespace prefixes ignored).
Result<pugi::xml_node> parse_body(pugi::xml_document& doc, std::string_view body,
                                  std::string_view root);
// The local name of an element ("s3:Part" → "Part").
std::string_view local_name(const pugi::xml_node& node);
// The first child element with that local name (null node when none).
pugi::xml_node child(const pugi::xml_node& node, std::string_view name);

// "2026-11-27T01:02:03.000Z" (ListObjects, ListBuckets, CopyObjectResult...).
inline std::string iso8601(std::chrono::system_clock::time_point t) {
    return imgpipe::iso8601(t, TimePrecision::kMillis);
}
// "Fri, 27 Nov 2026 01:02:03 GMT" (Last-Modified; RFC 7231 IMF-fixdate).
std::string http_date(std::chrono::system_clock::time_point t);
// Parses an IMF-fixdate (also RFC 850 and asctime forms); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s);

}  // namespace imgpipe::s3
