#pragma once
// S3Call: one S3 request after routing and authentication, as every handler sees it, plus the
// helpers handlers share (reading the verified body, XML and header rendering, metadata from
// headers). A call lives on the handler's stack; not shared between threads.

#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "http/request.h"
#include "s3/access_keyring.h"
#include "s3/context.h"
#include "s3/errors.h"
#include "s3/routing.h"
#include "sigv4/payload.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

struct S3Call {
    http::Request& request;
    S3Target target;
    QueryParams query;
    Operation operation = Operation::kMethodNotAllowed;
    // The verified signature; nullopt for an anonymous request.
    std::optional<sigv4::Authorization> auth;
    std::string resource;  // "/bucket/key", for <Resource> in errors
    // An anonymous GetObject/HeadObject in a bucket anyone may not read: allowed only for an
    // object whose own ACL is public-read (anything else, a missing key too, is AccessDenied).
    bool object_must_be_public = false;

    http::Response fail(const Status& status, const ErrorExtras& extras = {}) const {
        return error_response(status, resource, request.request_id, extras);
    }
    http::Response fail(std::string reason, StatusCode code, std::string public_message) const;
};

// True if the caller may take `action` on `bucket`: a verified key the keyring allows, or an
// anonymous read/write of a bucket whose ACL (s3/acl.h) is public-read/public-read-write.
bool is_allowed(const S3Context& context, const S3Call& call, std::string_view bucket,
                Action action);

// The request body as the object's verified bytes (aws-chunked decoding, SHA-256 and checksum
// checks as the signature's payload mode asks). The source reports a mismatch on its last read.
// InvalidRequest when x-amz-sdk-checksum-algorithm disagrees with the checksum carried
// (s3/checksums.h). Without a checksum in the request, one of `compute_if_absent` is computed.
Result<std::unique_ptr<sigv4::PayloadSource>> open_body(
    const S3Call& call, std::optional<sigv4::ChecksumAlgorithm> compute_if_absent = std::nullopt);
// A small verified body (XML documents), MaxMessageLengthExceeded past `limit` bytes;
// BadDigest when a Content-MD5 header does not match it. With `checksum_headers_are_body`
// false, x-amz-checksum-* headers describe something else (CompleteMultipartUpload's object)
// and are not checked against the body.
Result<std::string> read_small_body(const S3Call& call, size_t limit,
                                    bool checksum_headers_are_body = true);

// Content-MD5 as 16 raw bytes; nullopt when absent; InvalidDigest when not base64 of 16 bytes.
Result<std::optional<std::string>> content_md5(const http::Headers& headers);
// Content-Type, x-amz-meta-*, Cache-Control, Content-Disposition, Content-Encoding (without the
// aws-chunked coding), Content-Language, Expires.
store::ObjectAttributes attributes_from_headers(const http::Headers& headers);

std::string quote_etag(std::string_view etag);
std::string unquote_etag(std::string_view etag);

// ETag, Last-Modified, Content-Type, x-amz-meta-*, stored standard headers, Accept-Ranges.
void add_object_headers(http::Response& response, const store::ObjectInfo& info);
// If-None-Match: * / If-Match: <etag> of PutObject and CompleteMultipartUpload. NotImplemented
// for an If-None-Match other than "*".
Result<store::WriteCondition> write_condition(const http::Headers& headers);
// x-amz-checksum-<algorithm> for a checksum the payload verified.
void add_checksum_header(http::Response& response, const sigv4::PayloadSource& payload);

// A 200 (or `status`) application/xml response with the rendered document.
http::Response xml_response(const pugi::xml_document& doc, int status = 200);
// An empty response with `status` (204 for deletes).
http::Response empty_response(int status);

// The owner shown in listings and ACLs: the caller's access key id ("anonymous" without one).
std::string owner_id(const S3Call& call);
void append_owner(pugi::xml_node parent, const S3Call& call, const char* element = "Owner");

// Integer query parameter in [min, max]; `def` when absent; InvalidArgument when not a number
// or out of range (values above max are clamped when `clamp`).
Result<int> int_param(const S3Call& call, std::string_view name, int def, int min, int max,
                      bool clamp);
// The same for a request header.
Result<int> int_header(const S3Call& call, std::string_view name, int def, int min, int max,
                       bool clamp);

}  // namespace imgpipe::s3
