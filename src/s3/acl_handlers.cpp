// GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl: canned ACLs (s3/acl.h) kept by the
// store with the bucket or the object.
#include "s3/acl.h"
#include "s3/handlers.h"

namespace imgpipe::s3 {
namespace {

// An AccessControlPolicy of a few grants is well under this.
constexpr size_t kMaxAclBodyBytes = 64 * 1024;

// The ACL a PutBucketAcl/PutObjectAcl asks for: its x-amz-acl header or its
// AccessControlPolicy body, exactly one of them.
Result<store::CannedAcl> requested_acl(const S3Call& call) {
    IMGPIPE_ASSIGN_OR_RETURN(auto header, acl_from_headers(call.request.headers));
    IMGPIPE_ASSIGN_OR_RETURN(std::string body, read_small_body(call, kMaxAclBodyBytes));
    if (header && !body.empty()) {
        return invalid_argument("UnexpectedContent",
                                "This request does not support content with an x-amz-acl header");
    }
    if (header) return *header;
    if (body.empty()) {
        return invalid_argument("MissingSecurityHeader",
                                "Your request was missing a required header: x-amz-acl");
    }
    return acl_from_policy(body, owner_id(call));
}

}  // namespace

http::Response get_bucket_acl(const S3Context& context, S3Call& call) {
    auto access = bucket_access(context, call.target.bucket);
    if (!access) return call.fail(access.status());
    return acl_response(call, *access);
}

http::Response put_bucket_acl(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    auto acl = requested_acl(call);
    if (!acl) return fail_acl(call, acl.status());
    Status stored = context.store->put_bucket_acl(call.target.bucket, *acl);
    if (!stored.is_ok()) return fail_acl(call, stored);
    return empty_response(200);
}

http::Response get_object_acl(const S3Context& context, S3Call& call) {
    auto acl = context.store->get_object_acl(call.target.bucket, call.target.key);
    if (!acl) return call.fail(acl.status());
    return acl_response(call, access_of(*acl));
}

http::Response put_object_acl(const S3Context& context, S3Call& call) {
    auto object = context.store->head_object(call.target.bucket, call.target.key);
    if (!object) return call.fail(object.status());
    auto acl = requested_acl(call);
    if (!acl) return fail_acl(call, acl.status());
    if (*acl == store::CannedAcl::kPublicReadWrite) {
        return fail_acl(call, Status(StatusCode::kUnimplemented, "NotImplemented",
                                     "public-read-write applies to buckets; an object takes "
                                     "private or public-read"));
    }
    Status stored = context.store->put_object_acl(call.target.bucket, call.target.key, *acl);
    if (!stored.is_ok()) return fail_acl(call, stored);
    return empty_response(200);
}

}  // namespace imgpipe::s3
