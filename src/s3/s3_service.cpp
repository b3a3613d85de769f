#include "s3/s3_service.h"

#include <random>

#include "s3/acl.h"
#include "s3/bucket_cors_cache.h"
#include "s3/cors.h"
#include "s3/errors.h"
#include "s3/handlers.h"
#include "s3/post_object.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

std::string new_request_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string id(16, '0');
    uint64_t v = rng();
    for (char& c : id) {
        c = kHex[v & 15];
        v >>= 4;
    }
    return id;
}

// Verifies the request's signature; nullopt for an anonymous request.
Result<std::optional<sigv4::Authorization>> authenticate(const S3Context& context,
                                                         const http::Request& request,
                                                         const S3Target& target) {
    sigv4::RequestView view{request.method, request.path, request.query, &request.headers.entries(),
                            target.virtual_hosted ? std::string_view(target.bucket) : ""};
    if (!sigv4::has_auth(view)) return std::optional<sigv4::Authorization>();
    if (context.verifier == nullptr) {
        return internal_error("S3 endpoint has no signature verifier configured");
    }
    IMGPIPE_ASSIGN_OR_RETURN(sigv4::Authorization auth,
                             context.verifier->verify(view, context.clock->now()));
    return std::optional<sigv4::Authorization>(std::move(auth));
}

http::Response dispatch(const S3Context& context, S3Call& call) {
    switch (call.operation) {
        case Operation::kListBuckets:
            return list_buckets(context, call);
        case Operation::kCreateBucket:
            return create_bucket(context, call);
        case Operation::kHeadBucket:
            return head_bucket(context, call);
        case Operation::kDeleteBucket:
            return delete_bucket(context, call);
        case Operation::kGetBucketLocation:
            return get_bucket_location(context, call);
        case Operation::kGetBucketVersioning:
            return get_bucket_versioning(context, call);
        case Operation::kGetBucketAcl:
            return get_bucket_acl(context, call);
        case Operation::kPutBucketAcl:
            return put_bucket_acl(context, call);
        case Operation::kGetObjectAcl:
            return get_object_acl(context, call);
        case Operation::kGetObjectAttributes:
            return get_object_attributes(context, call);
        case Operation::kPutObjectAcl:
            return put_object_acl(context, call);
        case Operation::kGetObjectTagging:
            return get_object_tagging(context, call);
        case Operation::kListObjectsV1:
            return list_objects_v1(context, call);
        case Operation::kListObjectsV2:
            return list_objects_v2(context, call);
        case Operation::kListObjectVersions:
            return list_object_versions(context, call);
        case Operation::kListMultipartUploads:
            return list_multipart_uploads(context, call);
        case Operation::kDeleteObjects:
            return delete_objects(context, call);
        case Operation::kGetBucketCors:
            return get_bucket_cors(context, call);
        case Operation::kPutBucketCors:
            return put_bucket_cors(context, call);
        case Operation::kDeleteBucketCors:
            return delete_bucket_cors(context, call);
        case Operation::kPutObject:
            return put_object(context, call);
        case Operation::kCopyObject:
            return copy_object(context, call);
        case Operation::kGetObject:
            return get_object(context, call);
        case Operation::kHeadObject:
            return head_object(context, call);
        case Operation::kDeleteObject:
            return delete_object(context, call);
        case Operation::kCreateMultipartUpload:
            return create_multipart_upload(context, call);
        case Operation::kUploadPart:
            return upload_part(context, call);
        case Operation::kUploadPartCopy:
            return upload_part_copy(context, call);
        case Operation::kCompleteMultipartUpload:
            return complete_multipart_upload(context, call);
        case Operation::kAbortMultipartUpload:
            return abort_multipart_upload(context, call);
        case Operation::kListParts:
            return list_parts(context, call);
        case Operation::kNotImplemented:
            return call.fail(Status(StatusCode::kUnimplemented, "NotImplemented",
                                    "unsupported subresource: " + call.request.query));
        case Operation::kMethodNotAllowed:
            return call.fail(Status(StatusCode::kInvalidArgument, "MethodNotAllowed",
                                    call.request.method + " not allowed here"));
        case Operation::kPostObject:
        case Operation::kPostNotMultipart:
        case Operation::kCorsPreflight:
            break;  // handled before authentication
    }
    return call.fail(internal_error("unrouted S3 operation"));
}

// The rules for requests to `bucket`: its own CORS configuration, else the server's default.
CorsConfig cors_config_for(const S3Context& context, const std::string& bucket) {
    if (!bucket.empty() && context.cors_cache) {
        if (auto rules = context.cors_cache->rules(*context.store, *context.clock, bucket)) {
            return *rules;
        }
    }
    return default_cors_config(context.options);
}

enum class AnonymousAccess { kDenied, kAllowed, kIfObjectPublic };

// What a request without credentials may do (as S3 with the bucket's and objects' ACLs): in a
// public-read bucket, what reads it (listing, getting objects; not its ACL or configuration);
// in any bucket, get an object whose own ACL is public-read; in a public-write bucket, PUT an
// object (POST Object decides for itself). Nothing else. NoSuchBucket for a bucket that does
// not exist; the store's errors when its ACL cannot be read.
Result<AnonymousAccess> anonymous_access(const S3Context& context, const S3Call& call) {
    const Operation op = call.operation;
    if (call.target.bucket.empty()) return AnonymousAccess::kDenied;
    const bool object_read = op == Operation::kGetObject || op == Operation::kHeadObject ||
                             op == Operation::kGetObjectAttributes;
    const bool bucket_read = action_for(op) == Action::kRead && op != Operation::kGetBucketAcl &&
                             op != Operation::kGetObjectAcl && op != Operation::kGetBucketCors;
    if (!bucket_read && op != Operation::kPutObject) return AnonymousAccess::kDenied;
    auto access = bucket_access(context, call.target.bucket);
    if (!access) return access.status();
    if (op == Operation::kPutObject) {
        return access->write ? AnonymousAccess::kAllowed : AnonymousAccess::kDenied;
    }
    if (access->read) return AnonymousAccess::kAllowed;
    return object_read ? AnonymousAccess::kIfObjectPublic : AnonymousAccess::kDenied;
}

http::Response handle_call(const S3Context& context, http::Request& request, S3Target target) {
    S3Call call{request, std::move(target), QueryParams::parse(request.query)};
    call.operation = classify(request.method, call.target, call.query, request.headers);
    call.resource = "/" + call.target.bucket;
    if (!call.target.key.empty()) call.resource += "/" + call.target.key;

    // Browser uploads carry their own auth (the signed POST policy) inside the form.
    if (call.operation == Operation::kCorsPreflight) {
        return cors_preflight(cors_config_for(context, call.target.bucket), request);
    }
    // A POST to a bucket is a browser upload whatever its body: AWS answers a non-form body
    // with 412 before looking at credentials, and post_object() does exactly that.
    if (call.operation == Operation::kPostObject ||
        call.operation == Operation::kPostNotMultipart) {
        return post_object(context, request, call.target.bucket);
    }

    auto auth = authenticate(context, request, call.target);
    if (!auth) {
        // The verifier words its failures for clients, as AWS does ("Request has expired",
        // "Missing required header for this request: x-amz-content-sha256", ...).
        const Status& st = auth.status();
        bool client_error = st.code() != StatusCode::kInternal;
        return call.fail(st, {.message = client_error ? st.message() : std::string()});
    }
    call.auth = std::move(*auth);
    bool allowed = false;
    if (call.auth) {
        allowed = is_allowed(context, call, call.target.bucket, action_for(call.operation));
    } else {
        auto anonymous = anonymous_access(context, call);
        if (!anonymous) return call.fail(anonymous.status());
        allowed = *anonymous != AnonymousAccess::kDenied;
        call.object_must_be_public = *anonymous == AnonymousAccess::kIfObjectPublic;
    }
    if (!allowed) {
        // As S3: a bucket that does not exist is NoSuchBucket to anyone (bucket names are
        // global and public); what a bucket holds is AccessDenied to whoever may not read it.
        if (!call.auth && !call.target.bucket.empty()) {
            auto bucket = context.store->head_bucket(call.target.bucket);
            if (!bucket.is_ok() && bucket.status().reason() == "NoSuchBucket") {
                return call.fail(bucket.status());
            }
        }
        return call.fail(Status(StatusCode::kPermissionDenied, "AccessDenied",
                                std::string(operation_name(call.operation)) + " not allowed"));
    }
    return dispatch(context, call);
}

}  // namespace

S3Service::S3Service(S3Context context) : context_(std::move(context)) {
    if (!context_.cors_cache) context_.cors_cache = std::make_shared<BucketCorsCache>();
}

http::Response S3Service::handle(http::Request& request) const {
    if (request.request_id.empty()) request.request_id = new_request_id();
    auto target =
        resolve_target(request.headers.get_or("Host", ""), request.path, context_.options);
    // The bucket is copied before the target moves into the call: CORS headers need it after.
    const std::string bucket = target.is_ok() ? target->bucket : "";
    http::Response response =
        target.is_ok() ? handle_call(context_, request, std::move(target).value())
                       : error_response(target.status(), request.path, request.request_id);
    response.headers.set("x-amz-request-id", request.request_id);
    if (request.method == "HEAD" && response.status >= 300) drop_body_for_head(response);
    if (request.headers.has("Origin") && request.method != "OPTIONS") {
        add_cors_headers(cors_config_for(context_, bucket), request, response);
    }
    return response;
}

http::RouteOptions S3Service::route_options() const {
    return http::RouteOptions{
        .execution = http::Execution::kBlocking,
        .prefetch =
            [this](const http::Request& r) { return post_object_prefetch(context_.options, r); },
    };
}

http::Response S3Service::busy_response(const http::Request& request) {
    const S3Error error = *find_s3_error("SlowDown");
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("Error");
    append_text(root, "Code", error.code);
    append_text(root, "Message", error.message);
    append_text(root, "Resource", http::percent_decode(request.path));
    append_text(root, "RequestId", request.request_id);
    http::Response response;
    response.status = error.http_status;
    response.headers.set("x-amz-request-id", request.request_id);
    response.headers.set("Content-Type", "application/xml");
    response.body = render_xml(doc);
    return response;
}

}  // namespace imgpipe::s3
