#include <algorithm>

#include "s3/acl.h"
#include "s3/bucket_cors_cache.h"
#include "s3/handlers.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

constexpr size_t kMaxConfigurationBytes = 64 * 1024;

bool is_visible(const S3Context& context, const S3Call& call, const std::string& bucket) {
    if (!call.auth || context.keyring == nullptr) return true;
    return context.keyring->may_see_bucket(call.auth->access_key_id, bucket);
}

}  // namespace

http::Response list_buckets(const S3Context& context, S3Call& call) {
    auto buckets = context.store->list_buckets();
    if (!buckets) return call.fail(buckets.status());
    const std::string prefix = call.query.get_or("prefix", "");
    const std::string after = call.query.get_or("continuation-token", "");
    auto max = int_param(call, "max-buckets", 10000, 1, 10000, false);
    if (!max) return call.fail(max.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListAllMyBucketsResult");
    append_owner(root, call);
    pugi::xml_node list = root.append_child("Buckets");
    int count = 0;
    std::string last;
    bool truncated = false;
    for (const store::BucketInfo& b : *buckets) {
        if (!b.name.starts_with(prefix) || b.name <= after || !is_visible(context, call, b.name)) {
            continue;
        }
        if (count == *max) {
            truncated = true;
            break;
        }
        pugi::xml_node node = list.append_child("Bucket");
        append_text(node, "Name", b.name);
        append_text(node, "CreationDate", iso8601(b.created));
        last = b.name;
        ++count;
    }
    // Bucket names are plain ASCII, so the last name is itself a usable continuation token.
    if (truncated) append_text(root, "ContinuationToken", last);
    if (call.query.has("prefix")) append_text(root, "Prefix", prefix);
    return xml_response(doc);
}

http::Response create_bucket(const S3Context& context, S3Call& call) {
    // Checked before anything is made, so a refused ACL leaves no bucket behind.
    auto acl = acl_from_headers(call.request.headers);
    if (!acl) return fail_acl(call, acl.status());
    if (call.request.content_length.value_or(1) != 0) {
        auto body = read_small_body(call, kMaxConfigurationBytes);
        if (!body) return call.fail(body.status());
        if (!body->empty()) {
            pugi::xml_document doc;
            auto root = parse_body(doc, *body, "CreateBucketConfiguration");
            if (!root) return call.fail(root.status());
            std::string location = child(*root, "LocationConstraint").text().as_string();
            if (!location.empty() && location != context.options.region) {
                return call.fail("InvalidLocationConstraint", StatusCode::kInvalidArgument,
                                 "The specified location-constraint is not valid: " + location);
            }
        }
    }
    Status status = context.store->create_bucket(call.target.bucket);
    if (!status.is_ok()) return call.fail(status);
    // Without x-amz-acl the server's configured default stays in charge of the new bucket.
    if (*acl) {
        Status set = context.store->put_bucket_acl(call.target.bucket, **acl);
        if (!set.is_ok()) {
            // A bucket that is not what was asked for is not left behind.
            (void)context.store->delete_bucket(call.target.bucket);
            return call.fail(set);
        }
    }
    http::Response response = empty_response(200);
    response.headers.set("Location", "/" + call.target.bucket);
    return response;
}

http::Response head_bucket(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    http::Response response = empty_response(200);
    response.headers.set("x-amz-bucket-region", context.options.region);
    return response;
}

http::Response delete_bucket(const S3Context& context, S3Call& call) {
    Status status = context.store->delete_bucket(call.target.bucket);
    if (context.cors_cache) context.cors_cache->invalidate(call.target.bucket);
    if (!status.is_ok()) return call.fail(status);
    return empty_response(204);
}

http::Response get_bucket_location(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "LocationConstraint");
    // AWS answers an empty constraint for us-east-1, and clients expect exactly that.
    if (context.options.region != "us-east-1") {
        root.append_child(pugi::node_pcdata).set_value(context.options.region.c_str());
    }
    return xml_response(doc);
}

http::Response get_bucket_versioning(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    pugi::xml_document doc;
    append_result_root(doc, "VersioningConfiguration");  // never enabled: no Status element
    return xml_response(doc);
}

http::Response get_object_tagging(const S3Context& context, S3Call& call) {
    auto object = context.store->head_object(call.target.bucket, call.target.key);
    if (!object) return call.fail(object.status());
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "Tagging");
    root.append_child("TagSet");
    return xml_response(doc);
}

}  // namespace imgpipe::s3
