#pragma once
// The XML of the S3 REST API as S3ObjectStore reads and writes it: result documents parsed into
// the ObjectStore port's types, request documents rendered. Namespaces are ignored (AWS, RGW and
// MinIO differ in whether they send one). Listings are requested with encoding-type=url, so keys
// are percent-decoded here. Pure functions, thread-safe. A document that is not what it should
// be is kUnavailable/InvalidResponse: the service, not the caller, is at fault.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/object_store.h"

namespace imgpipe::store::s3 {

// "2026-12-05T11:31:43.285Z" (fraction optional) → time point.
std::optional<TimePoint> parse_iso8601(std::string_view text);

Result<std::vector<BucketInfo>> parse_list_buckets(std::string_view xml);

// ListObjectsV2 (ListBucketResult); keys and prefixes are decoded when EncodingType is url.
Result<ListResult> parse_list_objects(std::string_view xml, const std::string& bucket);

// InitiateMultipartUploadResult → upload id.
Result<std::string> parse_upload_id(std::string_view xml);

// CompleteMultipartUploadResult or CopyObjectResult (both may be an <Error> inside a 200
// response, which is returned as its Status): the unquoted ETag ("" when the service left it
// out, as Ceph RGW 16 does on a first completion) and, when present, LastModified.
struct WriteResult {
    std::string etag;
    std::optional<TimePoint> last_modified;
};
Result<WriteResult> parse_write_result(std::string_view xml, long http_status);

Result<ListPartsResult> parse_list_parts(std::string_view xml);

struct UploadsPage {
    std::vector<MultipartUploadInfo> uploads;
    bool is_truncated = false;
    std::string next_key_marker;
    std::string next_upload_id_marker;
};
Result<UploadsPage> parse_list_uploads(std::string_view xml, const std::string& bucket);

// The CompleteMultipartUpload request body.
std::string render_complete_request(const std::vector<CompletedPart>& parts);
// CreateBucketConfiguration with a LocationConstraint.
std::string render_create_bucket(const std::string& region);

// A GetBucketCors answer re-rendered the way imgpipe's S3 endpoint renders (and stores) a
// configuration: the XML prolog, xmlns, and in each rule ID, AllowedHeader, AllowedMethod,
// AllowedOrigin, ExposeHeader, MaxAgeSeconds in that order.
Result<std::string> canonical_cors(std::string_view xml);

// An AccessControlPolicy (GetBucketAcl / GetObjectAcl) read as the canned ACL its AllUsers
// grants amount to: READ → kPublicRead, READ and WRITE (or FULL_CONTROL) → kPublicReadWrite,
// none → kPrivate. Grants to anyone else (the owner, other accounts) do not make a bucket or
// object public and are not reported.
Result<CannedAcl> parse_acl_policy(std::string_view xml);
// The x-amz-acl header value of a canned ACL ("public-read").
std::string_view canned_acl_header(CannedAcl acl);

}  // namespace imgpipe::store::s3
