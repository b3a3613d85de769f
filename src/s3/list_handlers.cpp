#include "s3/codec.h"
#include "s3/handlers.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

// What the three listings share: the store request plus how to render values.
struct Listing {
    store::ListRequest request;
    bool url_encoded = false;

    std::string encode(std::string_view value) const {
        return url_encoded ? url_encode_listing(value) : std::string(value);
    }
};

Result<Listing> parse_listing(const S3Call& call, std::string_view start_param) {
    Listing listing;
    listing.request.bucket = call.target.bucket;
    listing.request.prefix = call.query.get_or("prefix", "");
    listing.request.delimiter = call.query.get_or("delimiter", "");
    listing.request.start_after = call.query.get_or(start_param, "");
    // AWS clamps max-keys above 1000 to 1000 and refuses negative values.
    IMGPIPE_ASSIGN_OR_RETURN(listing.request.max_keys,
                             int_param(call, "max-keys", 1000, 0, 1000, true));
    if (auto encoding = call.query.get("encoding-type")) {
        if (*encoding != "url") {
            return invalid_argument("InvalidArgument", "Invalid Encoding Method specified");
        }
        listing.url_encoded = true;
    }
    return listing;
}

Result<store::ListResult> run_listing(const S3Context& context, const Listing& listing) {
    IMGPIPE_ASSIGN_OR_RETURN(store::ListResult result,
                             context.store->list_objects(listing.request));
    // max-keys=0 returns nothing and, as in AWS, is not reported as truncated.
    if (listing.request.max_keys == 0) result.is_truncated = false;
    return result;
}

void append_common_prefixes(pugi::xml_node root, const Listing& listing,
                            const store::ListResult& result) {
    for (const std::string& prefix : result.common_prefixes) {
        append_text(root.append_child("CommonPrefixes"), "Prefix", listing.encode(prefix));
    }
}

void append_object_fields(pugi::xml_node node, const Listing& listing,
                          const store::ObjectInfo& object) {
    append_text(node, "Key", listing.encode(object.key));
    append_text(node, "LastModified", iso8601(object.last_modified));
    append_text(node, "ETag", quote_etag(object.etag));
    append_text(node, "Size", std::to_string(object.size));
    append_text(node, "StorageClass", "STANDARD");
}

void append_contents(pugi::xml_node root, const Listing& listing, const store::ListResult& result,
                     const S3Call& call, bool with_owner) {
    for (const store::ObjectInfo& object : result.objects) {
        pugi::xml_node node = root.append_child("Contents");
        append_object_fields(node, listing, object);
        if (with_owner) append_owner(node, call);
    }
}

}  // namespace

http::Response list_objects_v1(const S3Context& context, S3Call& call) {
    auto listing = parse_listing(call, "marker");
    if (!listing) return call.fail(listing.status());
    auto result = run_listing(context, *listing);
    if (!result) return call.fail(result.status());

    const store::ListRequest& req = listing->request;
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListBucketResult");
    append_text(root, "Name", req.bucket);
    append_text(root, "Prefix", listing->encode(req.prefix));
    append_text(root, "Marker", listing->encode(req.start_after));
    // AWS gives NextMarker only with a delimiter; without one clients continue from the last key.
    if (result->is_truncated && !req.delimiter.empty()) {
        append_text(root, "NextMarker", listing->encode(result->next_start_after));
    }
    append_text(root, "MaxKeys", std::to_string(req.max_keys));
    if (!req.delimiter.empty()) append_text(root, "Delimiter", listing->encode(req.delimiter));
    append_text(root, "IsTruncated", result->is_truncated ? "true" : "false");
    if (listing->url_encoded) append_text(root, "EncodingType", "url");
    append_contents(root, *listing, *result, call, true);
    append_common_prefixes(root, *listing, *result);
    return xml_response(doc);
}

http::Response list_objects_v2(const S3Context& context, S3Call& call) {
    auto listing = parse_listing(call, "start-after");
    if (!listing) return call.fail(listing.status());
    const std::string start_after = listing->request.start_after;
    auto token = call.query.get("continuation-token");
    // An empty token is no token, as AWS takes it (SDKs send one when a caller passes "").
    if (token && !token->empty()) {
        // The token is opaque to clients: base64url of where the previous page stopped.
        auto decoded = base64_decode(*token, true);
        if (!decoded) {
            return call.fail("InvalidArgument", StatusCode::kInvalidArgument,
                             "The continuation token provided is incorrect");
        }
        listing->request.start_after = *decoded;
    }
    auto result = run_listing(context, *listing);
    if (!result) return call.fail(result.status());

    const store::ListRequest& req = listing->request;
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListBucketResult");
    append_text(root, "Name", req.bucket);
    append_text(root, "Prefix", listing->encode(req.prefix));
    if (!req.delimiter.empty()) append_text(root, "Delimiter", listing->encode(req.delimiter));
    append_text(root, "MaxKeys", std::to_string(req.max_keys));
    append_text(root, "KeyCount",
                std::to_string(result->objects.size() + result->common_prefixes.size()));
    append_text(root, "IsTruncated", result->is_truncated ? "true" : "false");
    if (token) append_text(root, "ContinuationToken", *token);
    if (result->is_truncated) {
        append_text(root, "NextContinuationToken", base64_encode(result->next_start_after, true));
    }
    if (call.query.has("start-after"))
        append_text(root, "StartAfter", listing->encode(start_after));
    if (listing->url_encoded) append_text(root, "EncodingType", "url");
    append_contents(root, *listing, *result, call, call.query.get_or("fetch-owner", "") == "true");
    append_common_prefixes(root, *listing, *result);
    return xml_response(doc);
}

http::Response list_object_versions(const S3Context& context, S3Call& call) {
    auto listing = parse_listing(call, "key-marker");
    if (!listing) return call.fail(listing.status());
    auto result = run_listing(context, *listing);
    if (!result) return call.fail(result.status());

    const store::ListRequest& req = listing->request;
    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListVersionsResult");
    append_text(root, "Name", req.bucket);
    append_text(root, "Prefix", listing->encode(req.prefix));
    append_text(root, "KeyMarker", listing->encode(req.start_after));
    append_text(root, "VersionIdMarker", call.query.get_or("version-id-marker", ""));
    if (result->is_truncated) {
        append_text(root, "NextKeyMarker", listing->encode(result->next_start_after));
        append_text(root, "NextVersionIdMarker", "null");
    }
    append_text(root, "MaxKeys", std::to_string(req.max_keys));
    if (!req.delimiter.empty()) append_text(root, "Delimiter", listing->encode(req.delimiter));
    append_text(root, "IsTruncated", result->is_truncated ? "true" : "false");
    if (listing->url_encoded) append_text(root, "EncodingType", "url");
    for (const store::ObjectInfo& object : result->objects) {
        pugi::xml_node node = root.append_child("Version");
        append_text(node, "Key", listing->encode(object.key));
        append_text(node, "VersionId", "null");
        append_text(node, "IsLatest", "true");
        append_text(node, "LastModified", iso8601(object.last_modified));
        append_text(node, "ETag", quote_etag(object.etag));
        append_text(node, "Size", std::to_string(object.size));
        append_text(node, "StorageClass", "STANDARD");
        append_owner(node, call);
    }
    append_common_prefixes(root, *listing, *result);
    return xml_response(doc);
}

}  // namespace imgpipe::s3
