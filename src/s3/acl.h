#pragma once
// Canned ACLs on the S3 endpoint: what `x-amz-acl` headers, POST `acl` fields and
// AccessControlPolicy bodies ask for, mapped onto what the store keeps (store::CannedAcl: a
// bucket or object readable, or a bucket writable, by anyone); who is anonymous-allowed what; and
// the AccessControlPolicy document GetBucketAcl/GetObjectAcl answer.
//
// The store has one owner (every access key acts for it), so the canned ACLs that only add
// grants for the bucket owner (`bucket-owner-read`, `bucket-owner-full-control`) change
// nothing here: as on AWS when the object writer owns the bucket, they equal `private`. ACLs
// that need identities or groups the store does not have (`authenticated-read`,
// `aws-exec-read`, `log-delivery-write`, `x-amz-grant-*` headers, grants to other users) are
// refused with NotImplemented, never ignored.
//
// Pure functions over the request and the store, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/headers.h"
#include "s3/context.h"
#include "s3/s3_call.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

// The canned ACL an `x-amz-acl` value (or POST `acl` field) names, case-insensitively.
// NotImplemented for the ACLs the store cannot honour; InvalidArgument for a name S3 has not.
Result<store::CannedAcl> parse_canned_acl(std::string_view value);
// True for the x-amz-acl values S3 has and this store refuses (routing answers them
// NotImplemented before authentication, as it does x-amz-grant-*).
bool is_unsupported_canned_acl(std::string_view value);

// The request's x-amz-acl; nullopt when absent.
Result<std::optional<store::CannedAcl>> acl_from_headers(const http::Headers& headers);
// An AccessControlPolicy body (PutBucketAcl / PutObjectAcl) as the canned ACL its grants
// make: the owner (`owner_id`) FULL_CONTROL, plus AllUsers READ (and WRITE). MalformedACLError
// for a document that is not an AccessControlPolicy; NotImplemented for any other grant.
Result<store::CannedAcl> acl_from_policy(std::string_view xml, const std::string& owner_id);

// What anyone may do in a bucket without credentials.
struct BucketAccess {
    bool read = false;   // list it, get its objects
    bool write = false;  // PUT or POST objects into it
};
BucketAccess access_of(store::CannedAcl acl);
// The bucket's ACL as set through the S3 API, else the server's configured default
// (s3.public_read_buckets / s3.public_write_buckets). NoSuchBucket.
Result<BucketAccess> bucket_access(const S3Context& context, const std::string& bucket);

// The ACL a new object in `bucket` gets from `value` (x-amz-acl of PutObject, CopyObject and
// CreateMultipartUpload, POST Object's `acl` field): private when absent. NotImplemented for
// public-read-write (AllUsers WRITE means nothing on an object) and the unsupported ACLs;
// AccessDenied when an anonymous writer asks for public-read in a bucket anyone may not read
// already, so that a public-write bucket cannot be made into a public file host.
Result<store::CannedAcl> new_object_acl(const S3Context& context, bool anonymous,
                                        const std::string& bucket,
                                        std::optional<std::string_view> value);
// new_object_acl for the call's x-amz-acl header.
Result<store::CannedAcl> new_object_acl(const S3Context& context, const S3Call& call);

// The error response for a failure of the functions above: their own refusals carry their
// message (written for the client), the store's errors the table's.
http::Response fail_acl(const S3Call& call, const Status& status);

// The AccessControlPolicy document: Owner, the owner's FULL_CONTROL grant, AllUsers READ /
// WRITE grants as `access` says.
http::Response acl_response(const S3Call& call, const BucketAccess& access);

}  // namespace imgpipe::s3
