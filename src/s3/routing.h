#pragma once
// Routing for the S3 endpoint: which bucket and key a request addresses (path-style
// "/bucket/key" or virtual-hosted-style "bucket.<domain>/key"), its decoded query parameters,
// and which S3 operation it is (from method, bucket/key presence, subresources and a few
// headers). Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/headers.h"
#include "s3/access_keyring.h"
#include "s3/context.h"

namespace imgpipe::s3 {

struct S3Target {
    std::string bucket;  // "" for the service (ListBuckets)
    std::string key;     // "" for bucket-level requests; decoded
    bool virtual_hosted = false;
};

// Query parameters, percent-decoded ('+' read as a space, as form encoding and MinIO do), in
// arrival order. A parameter without '=' ("?uploads") has an empty value.
class QueryParams {
  public:
    QueryParams() = default;
    // Malformed escapes are kept literally rather than failing: SigV4 has already verified
    // the raw query, and S3 itself is lenient here.
    static QueryParams parse(std::string_view raw);

    bool has(std::string_view name) const;
    std::optional<std::string> get(std::string_view name) const;
    std::string get_or(std::string_view name, std::string_view def) const;
    const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

  private:
    std::vector<std::pair<std::string, std::string>> entries_;
};

// Resolves the addressed bucket and key from the Host header and the (still percent-encoded)
// path. InvalidArgument for a malformed escape; InvalidBucketName for a bucket name S3 refuses;
// KeyTooLongError for keys over 1024 bytes.
Result<S3Target> resolve_target(std::string_view host, std::string_view path,
                                const S3Options& options);

enum class Operation {
    kListBuckets,
    kCreateBucket,
    kHeadBucket,
    kDeleteBucket,
    kGetBucketLocation,
    kGetBucketVersioning,
    kGetBucketAcl,
    kPutBucketAcl,
    kGetBucketCors,
    kPutBucketCors,
    kDeleteBucketCors,
    kListObjectsV1,
    kListObjectsV2,
    kListObjectVersions,
    kListMultipartUploads,
    kDeleteObjects,
    kPostObject,        // browser upload: multipart/form-data POST to the bucket
    kPostNotMultipart,  // POST to the bucket that is neither ?delete nor a form upload
    kPutObject,
    kCopyObject,
    kGetObject,
    kHeadObject,
    kDeleteObject,
    kGetObjectAcl,
    kGetObjectAttributes,
    kPutObjectAcl,
    kGetObjectTagging,
    kCreateMultipartUpload,
    kUploadPart,
    kUploadPartCopy,
    kCompleteMultipartUpload,
    kAbortMultipartUpload,
    kListParts,
    kCorsPreflight,
    // A subresource this store does not support (?policy, ?lifecycle, PUT ?versioning...) or a
    // header asking for a feature it does not have (SSE, object lock, tags).
    kNotImplemented,
    kMethodNotAllowed,
};

Operation classify(std::string_view method, const S3Target& target, const QueryParams& query,
                   const http::Headers& headers);
// What a key must be allowed to do for the operation (on the target bucket).
Action action_for(Operation op);
// "PutObject", for logs.
std::string_view operation_name(Operation op);

}  // namespace imgpipe::s3
