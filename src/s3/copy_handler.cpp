#include "s3/conditions.h"
#include "s3/handlers.h"
#include "s3/xml.h"
#include "store/names.h"

namespace imgpipe::s3 {
namespace {

struct CopySource {
    std::string bucket;
    std::string key;
};

// x-amz-copy-source: "[/]bucket/key[?versionId=v]", the key URL-encoded.
Result<CopySource> parse_copy_source(std::string_view header) {
    auto bad = [] {
        return invalid_argument("InvalidArgument",
                                "Copy Source must mention the source bucket and key: "
                                "sourcebucket/sourcekey");
    };
    std::string_view value = header;
    auto question = value.find('?');
    if (question != std::string_view::npos) {
        std::string_view query = value.substr(question + 1);
        value = value.substr(0, question);
        if (query.starts_with("versionId=") && query != "versionId=null") {
            return invalid_argument("InvalidArgument", "only versionId=null can be copied");
        }
    }
    auto decoded = sigv4::uri_decode(value);
    if (!decoded) return bad();
    std::string_view path = *decoded;
    if (path.starts_with('/')) path.remove_prefix(1);
    auto slash = path.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) return bad();
    CopySource source{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
    IMGPIPE_RETURN_IF_ERROR(store::validate_key(source.key));
    return source;
}

}  // namespace

http::Response copy_object(const S3Context& context, S3Call& call) {
    const http::Headers& headers = call.request.headers;
    auto source = parse_copy_source(headers.get_or("x-amz-copy-source", ""));
    if (!source) {
        // Our own InvalidArgument messages are written for the client; others are not.
        const bool own = source.status().reason() == "InvalidArgument";
        return call.fail(source.status(), {.message = own ? source.status().message() : ""});
    }
    if (!is_allowed(context, call, source->bucket, Action::kRead)) {
        return call.fail(Status(StatusCode::kPermissionDenied, "AccessDenied",
                                "no read access to copy source bucket " + source->bucket));
    }
    const std::string directive = headers.get_or("x-amz-metadata-directive", "COPY");
    if (directive != "COPY" && directive != "REPLACE") {
        return call.fail("InvalidArgument", StatusCode::kInvalidArgument,
                         "Unknown metadata directive.");
    }

    auto src = context.store->head_object(source->bucket, source->key);
    if (!src) return call.fail(src.status());
    if (evaluate_preconditions(headers, src->etag, src->last_modified, "x-amz-copy-source-") !=
        Precondition::kProceed) {
        return call.fail(Status(StatusCode::kFailedPrecondition, "PreconditionFailed",
                                "copy source conditions failed"));
    }
    const bool same_object = source->bucket == call.target.bucket && source->key == call.target.key;
    if (same_object && directive == "COPY") {
        return call.fail("InvalidRequest", StatusCode::kInvalidArgument,
                         "This copy request is illegal because it is trying to copy an object to "
                         "itself without changing the object's metadata, storage class, website "
                         "redirect location or encryption attributes.");
    }

    store::PutRequest dest;
    dest.bucket = call.target.bucket;
    dest.key = call.target.key;
    dest.created_by = store::CreatedBy::kCopy;
    dest.attributes =
        directive == "COPY" ? src->attributes : attributes_from_headers(call.request.headers);
    auto copied = context.store->copy_object(source->bucket, source->key, dest);
    if (!copied) return call.fail(copied.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "CopyObjectResult");
    append_text(root, "LastModified", iso8601(copied->last_modified));
    append_text(root, "ETag", quote_etag(copied->etag));
    return xml_response(doc);
}

}  // namespace imgpipe::s3
