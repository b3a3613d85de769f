#include <charconv>

#include "s3/acl.h"
#include "s3/checksums.h"
#include "s3/conditions.h"
#include "s3/handlers.h"
#include "s3/xml.h"
#include "sigv4/checksum_combine.h"
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

// x-amz-copy-source-range: "bytes=first-last", both given, within the source object.
Result<std::optional<store::ByteRange>> copy_source_range(const http::Headers& headers,
                                                          uint64_t source_size) {
    auto value = headers.get("x-amz-copy-source-range");
    if (!value) return std::optional<store::ByteRange>();
    auto bad = [&] {
        return invalid_argument("InvalidArgument",
                                "Range specified is not valid for source object of size: " +
                                    std::to_string(source_size));
    };
    std::string_view v = *value;
    if (!v.starts_with("bytes=")) return bad();
    v.remove_prefix(6);
    auto dash = v.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == v.size()) return bad();
    uint64_t first = 0;
    uint64_t last = 0;
    auto parse = [](std::string_view text, uint64_t& out) {
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return ec == std::errc() && ptr == text.data() + text.size();
    };
    if (!parse(v.substr(0, dash), first) || !parse(v.substr(dash + 1), last)) return bad();
    if (first > last || last >= source_size) return bad();
    return std::optional(store::ByteRange{first, last});
}

// The copy source of `call`, which the caller may read; the error response otherwise.
Result<CopySource> readable_copy_source(const S3Context& context, const S3Call& call,
                                        http::Response& failure) {
    auto source = parse_copy_source(call.request.headers.get_or("x-amz-copy-source", ""));
    if (!source) {
        // Our own InvalidArgument messages are written for the client; others are not.
        const bool own = source.status().reason() == "InvalidArgument";
        failure = call.fail(source.status(), {.message = own ? source.status().message() : ""});
        return source.status();
    }
    if (!is_allowed(context, call, source->bucket, Action::kRead)) {
        Status denied(StatusCode::kPermissionDenied, "AccessDenied",
                      "no read access to copy source bucket " + source->bucket);
        failure = call.fail(denied);
        return denied;
    }
    return source;
}

// CopyObject with a new checksum algorithm: the source's bytes through a checksummer into a put.
Result<store::ObjectInfo> copy_recomputing(const S3Context& context, const CopySource& source,
                                           store::PutRequest dest,
                                           sigv4::ChecksumAlgorithm algorithm) {
    IMGPIPE_ASSIGN_OR_RETURN(auto reader,
                             context.store->get_object(source.bucket, source.key, std::nullopt));
    IMGPIPE_ASSIGN_OR_RETURN(
        auto checksummed,
        sigv4::open_payload(sigv4::Authorization{}, {}, std::nullopt, *reader.body, algorithm));
    dest.checksum = checksum_at_end(*checksummed);
    return context.store->put_object(dest, *checksummed);
}

}  // namespace

http::Response upload_part_copy(const S3Context& context, S3Call& call) {
    const http::Headers& headers = call.request.headers;
    auto part_number = int_param(call, "partNumber", 0, 1, 10000, false);
    if (!part_number) {
        return call.fail("InvalidArgument", StatusCode::kInvalidArgument,
                         "Part number must be an integer between 1 and 10000, inclusive");
    }
    http::Response failure;
    auto source = readable_copy_source(context, call, failure);
    if (!source) return failure;
    const std::string upload_id = call.query.get_or("uploadId", "");
    // The upload first: a copy into an unknown upload reads nothing.
    auto known =
        context.store->list_parts(call.target.bucket, call.target.key, upload_id, 10000, 1);
    if (!known) return call.fail(known.status());

    auto src = context.store->head_object(source->bucket, source->key);
    if (!src) return call.fail(src.status());
    if (evaluate_preconditions(headers, src->etag, src->last_modified, "x-amz-copy-source-") !=
        Precondition::kProceed) {
        return call.fail(Status(StatusCode::kFailedPrecondition, "PreconditionFailed",
                                "copy source conditions failed"));
    }
    auto range = copy_source_range(headers, src->size);
    if (!range) return call.fail(range.status(), {.message = range.status().message()});
    auto reader = context.store->get_object(source->bucket, source->key, *range);
    if (!reader) return call.fail(reader.status());
    // A part of an upload with a checksum algorithm gets its checksum as it is copied.
    std::optional<sigv4::ChecksumAlgorithm> algorithm;
    if (known->upload_checksum)
        algorithm = sigv4::checksum_from_name(known->upload_checksum->algorithm);
    auto checksummed =
        sigv4::open_payload(sigv4::Authorization{}, {}, std::nullopt, *reader->body, algorithm);
    if (!checksummed) return call.fail(checksummed.status());
    auto part =
        context.store->upload_part(call.target.bucket, call.target.key, upload_id, *part_number,
                                   **checksummed, std::nullopt, checksum_at_end(**checksummed));
    if (!part) return call.fail(part.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "CopyPartResult");
    append_text(root, "LastModified", iso8601(part->last_modified));
    append_text(root, "ETag", quote_etag(part->etag));
    if (part->checksum) {
        append_text(root, checksum_element(part->checksum->algorithm), part->checksum->value);
    }
    return xml_response(doc);
}

http::Response copy_object(const S3Context& context, S3Call& call) {
    const http::Headers& headers = call.request.headers;
    http::Response failure;
    auto source = readable_copy_source(context, call, failure);
    if (!source) return failure;
    const std::string directive = headers.get_or("x-amz-metadata-directive", "COPY");
    if (directive != "COPY" && directive != "REPLACE") {
        return call.fail("InvalidArgument", StatusCode::kInvalidArgument,
                         "Unknown metadata directive.");
    }
    auto acl = new_object_acl(context, call);
    if (!acl) return fail_acl(call, acl.status());

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
    // As S3: a copy gets the ACL its request names, never the source's.
    dest.attributes.acl = *acl;
    // The copy keeps the source's checksum (the store does that), unless the request names an
    // algorithm: then the copy's is computed over the bytes as they are copied, as S3 does.
    std::optional<sigv4::ChecksumAlgorithm> recompute;
    if (auto name = headers.get("x-amz-checksum-algorithm")) {
        recompute = sigv4::checksum_from_name(*name);
        if (!recompute) {
            return call.fail("InvalidRequest", StatusCode::kInvalidArgument,
                             "Value for x-amz-checksum-algorithm header is invalid.");
        }
    }
    auto copied = recompute ? copy_recomputing(context, *source, dest, *recompute)
                            : context.store->copy_object(source->bucket, source->key, dest);
    if (!copied) return call.fail(copied.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "CopyObjectResult");
    append_text(root, "LastModified", iso8601(copied->last_modified));
    append_text(root, "ETag", quote_etag(copied->etag));
    if (copied->checksum) {
        append_text(root, checksum_element(copied->checksum->algorithm), copied->checksum->value);
        append_text(root, "ChecksumType", copied->checksum->type);
    }
    return xml_response(doc);
}

}  // namespace imgpipe::s3
