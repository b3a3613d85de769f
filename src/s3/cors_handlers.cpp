// GetBucketCors, PutBucketCors, DeleteBucketCors: a bucket's CORS configuration, validated and
// normalised by s3/cors and kept by the store with the bucket.
#include "s3/bucket_cors_cache.h"
#include "s3/cors.h"
#include "s3/handlers.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

// 100 rules of a few origins, methods and headers each fit easily.
constexpr size_t kMaxCorsBodyBytes = 64 * 1024;

}  // namespace

http::Response get_bucket_cors(const S3Context& context, S3Call& call) {
    auto xml = context.store->get_bucket_cors(call.target.bucket);
    if (!xml) return call.fail(xml.status());
    if (xml->empty()) {
        return call.fail(not_found("NoSuchCORSConfiguration", "the bucket has no CORS rules"));
    }
    http::Response response;
    response.status = 200;
    response.headers.set("Content-Type", "application/xml");
    response.body = std::move(xml).value();
    return response;
}

http::Response put_bucket_cors(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    auto body = read_small_body(call, kMaxCorsBodyBytes);
    if (!body) return call.fail(body.status());
    auto config = parse_cors_config(*body);
    if (!config) return call.fail(config.status(), {.message = config.status().message()});
    Status stored = context.store->put_bucket_cors(call.target.bucket, render_cors_config(*config));
    if (context.cors_cache) context.cors_cache->invalidate(call.target.bucket);
    if (!stored.is_ok()) return call.fail(stored);
    return empty_response(200);
}

http::Response delete_bucket_cors(const S3Context& context, S3Call& call) {
    Status stored = context.store->put_bucket_cors(call.target.bucket, "");
    if (context.cors_cache) context.cors_cache->invalidate(call.target.bucket);
    if (!stored.is_ok()) return call.fail(stored);
    return empty_response(204);
}

}  // namespace imgpipe::s3
