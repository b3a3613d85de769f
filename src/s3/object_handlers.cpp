#include <algorithm>
#include <array>

#include "s3/acl.h"
#include "s3/checksums.h"
#include "s3/conditions.h"
#include "s3/handlers.h"
#include "s3/xml.h"
#include "sigv4/text.h"

namespace imgpipe::s3 {
namespace {

constexpr uint64_t kMaxPutBytes = 5ull << 30;  // S3's single-PUT limit: 5 GiB
constexpr int kReadAttempts = 3;

// response-* query parameters override these headers on GET/HEAD (S3's "response header
// overrides").
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kOverrides = {{
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
}};

constexpr int kMaxPartNumber = 10000;

// The bytes of part `number` (1-based) of the object: its part boundaries for a multipart
// object; part 1 is the whole object otherwise. InvalidPartNumber (416) past the last part.
Result<std::optional<store::ByteRange>> part_range(const store::ObjectInfo& info, int number) {
    const std::vector<uint64_t>& sizes = info.part_sizes;
    const size_t count = sizes.empty() ? 1 : sizes.size();
    if (static_cast<size_t>(number) > count) {
        return Status(StatusCode::kOutOfRange, "InvalidPartNumber",
                      "part " + std::to_string(number) + " of " + std::to_string(count));
    }
    if (sizes.empty()) {
        if (info.size == 0) return std::optional<store::ByteRange>();
        return std::optional(store::ByteRange{0, info.size - 1});
    }
    uint64_t first = 0;
    for (int i = 0; i + 1 < number; ++i) first += sizes[i];
    const uint64_t size = sizes[number - 1];
    if (size == 0) return std::optional<store::ByteRange>();
    return std::optional(store::ByteRange{first, first + size - 1});
}

// The range a GET/HEAD asks for: its Range header, or its ?partNumber= (not both).
Result<std::optional<store::ByteRange>> requested_range(const S3Call& call,
                                                        const store::ObjectInfo& info) {
    if (!call.query.has("partNumber")) {
        return resolve_range(call.request.headers.get("Range"), info.size);
    }
    if (call.request.headers.has("Range")) {
        return invalid_argument("InvalidRequest",
                                "Cannot specify both Range header and partNumber query parameter");
    }
    IMGPIPE_ASSIGN_OR_RETURN(int number,
                             int_param(call, "partNumber", 1, 1, kMaxPartNumber, false));
    return part_range(info, number);
}

http::Response object_response(const S3Call& call, const store::ObjectInfo& info,
                               std::optional<store::ByteRange> range) {
    // A part is a ranged answer even when it is the whole object, as S3 answers it.
    http::Response response = empty_response(range ? 206 : 200);
    if (call.query.has("partNumber") && !info.part_sizes.empty()) {
        response.headers.set("x-amz-mp-parts-count", std::to_string(info.part_sizes.size()));
    }
    add_object_headers(response, info);
    // As S3: only when asked, and only for an answer that is the whole object (a checksum of
    // the whole cannot check a part of it).
    const bool whole = !call.query.has("partNumber") &&
                       (!range || (range->first == 0 && range->last + 1 == info.size));
    auto mode = call.request.headers.get("x-amz-checksum-mode");
    if (info.checksum && whole && mode && *mode == "ENABLED") {
        add_checksum_headers(response, *info.checksum);
    }
    for (const auto& [param, header] : kOverrides) {
        if (auto value = call.query.get(param)) response.headers.set(header, *value);
    }
    if (range) {
        response.headers.set("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                  std::to_string(range->last) + "/" +
                                                  std::to_string(info.size));
        response.content_length = range->last - range->first + 1;
    } else {
        response.content_length = info.size;
    }
    return response;
}

// Whether an anonymous caller that may read only public objects may read this one (or learn
// that it does not exist: as on S3, without list permission that too is AccessDenied).
bool readable(const S3Call& call, const Result<store::ObjectInfo>& info) {
    if (!call.object_must_be_public) return true;
    if (!info.is_ok()) return info.status().reason() == "NoSuchBucket";
    return info->attributes.acl == store::CannedAcl::kPublicRead;
}

http::Response access_denied(const S3Call& call) {
    return call.fail(Status(StatusCode::kPermissionDenied, "AccessDenied",
                            "anonymous read of an object that is not public"));
}

// GetObject and HeadObject: conditions, range, headers, and for GET the streamed body.
http::Response serve_object(const S3Context& context, const S3Call& call, bool with_body) {
    const std::string& bucket = call.target.bucket;
    const std::string& key = call.target.key;
    for (int attempt = 1;; ++attempt) {
        auto info = context.store->head_object(bucket, key);
        // Before the conditions, whose answers would tell a stranger about the object.
        if (!readable(call, info)) return access_denied(call);
        if (!info) return call.fail(info.status());
        switch (evaluate_preconditions(call.request.headers, info->etag, info->last_modified)) {
            case Precondition::kFailed:
                return call.fail(Status(StatusCode::kFailedPrecondition, "PreconditionFailed",
                                        "conditional headers failed"));
            case Precondition::kNotModified: {
                http::Response response = empty_response(304);
                response.headers.set("ETag", quote_etag(info->etag));
                response.headers.set("Last-Modified", http_date(info->last_modified));
                return response;
            }
            case Precondition::kProceed:
                break;
        }
        auto range = requested_range(call, *info);
        if (!range) {
            const std::string reason = range.status().reason();
            const bool own = reason == "InvalidRequest" || reason == "InvalidArgument";
            http::Response response =
                call.fail(range.status(), {.message = own ? range.status().message() : ""});
            if (reason == "InvalidRange") {
                response.headers.set("Content-Range", "bytes */" + std::to_string(info->size));
            }
            return response;
        }
        if (!with_body) return object_response(call, *info, *range);

        auto reader = context.store->get_object(bucket, key, *range);
        if (!reader) return call.fail(reader.status());
        // Its ACL may have changed since the head (PutObjectAcl keeps the ETag).
        if (call.object_must_be_public &&
            reader->info.attributes.acl != store::CannedAcl::kPublicRead) {
            return access_denied(call);
        }
        // The object was replaced between head and get: the range (resolved against the old
        // size) and the conditions may not hold for the new one, so evaluate again.
        if (reader->info.etag != info->etag && attempt < kReadAttempts) continue;
        if (reader->info.etag != info->etag) {
            return call.fail(Status(StatusCode::kUnavailable, "SlowDown",
                                    "object replaced repeatedly during GET"));
        }
        http::Response response = object_response(call, reader->info, *range);
        response.source = std::move(reader->body);
        return response;
    }
}

}  // namespace

http::Response put_object(const S3Context& context, S3Call& call) {
    // Checked before the body is read, so a doomed upload is never invited (100-continue).
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    auto md5 = content_md5(call.request.headers);
    if (!md5) return call.fail(md5.status());
    auto payload = open_body(call);
    if (!payload) return call.fail(payload.status(), checksum_failure_extras(payload.status()));
    if ((*payload)->declared_length().value_or(0) > kMaxPutBytes) {
        return call.fail(
            Status(StatusCode::kResourceExhausted, "EntityTooLarge", "declared length over 5 GiB"),
            {.elements = {{"ProposedSize", std::to_string(*(*payload)->declared_length())},
                          {"MaxSizeAllowed", std::to_string(kMaxPutBytes)}}});
    }

    auto condition = write_condition(call.request.headers);
    if (!condition) return call.fail(condition.status());
    auto acl = new_object_acl(context, call);
    if (!acl) return fail_acl(call, acl.status());

    store::PutRequest put;
    put.bucket = call.target.bucket;
    put.key = call.target.key;
    put.attributes = attributes_from_headers(call.request.headers);
    put.attributes.acl = *acl;
    put.created_by = store::CreatedBy::kPut;
    put.condition = *condition;
    put.expected_md5 = *md5;
    put.max_size = kMaxPutBytes;
    put.checksum = checksum_at_end(**payload);
    auto info = context.store->put_object(put, **payload);
    if (!info) return call.fail(info.status());

    http::Response response = empty_response(200);
    response.headers.set("ETag", quote_etag(info->etag));
    add_checksum_header(response, **payload);
    return response;
}

http::Response get_object(const S3Context& context, S3Call& call) {
    return serve_object(context, call, true);
}

http::Response head_object(const S3Context& context, S3Call& call) {
    return serve_object(context, call, false);
}

http::Response get_object_attributes(const S3Context& context, S3Call& call) {
    // As S3 answers: the attributes asked for, each once, in S3's order.
    static constexpr std::array<std::string_view, 5> kAttributes = {
        "ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"};
    std::array<bool, kAttributes.size()> wanted{};
    std::string_view list = call.request.headers.get("x-amz-object-attributes").value_or("");
    bool any = false;
    while (!list.empty()) {
        const size_t comma = list.find(',');
        const std::string_view name = sigv4::trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
        if (name.empty()) continue;
        auto it = std::find(kAttributes.begin(), kAttributes.end(), name);
        if (it == kAttributes.end()) {
            return call.fail(
                invalid_argument("InvalidArgument", "Invalid attribute name specified."));
        }
        wanted[static_cast<size_t>(it - kAttributes.begin())] = any = true;
    }
    if (!any) {
        return call.fail(invalid_argument("InvalidArgument",
                                          "The x-amz-object-attributes header specifying the "
                                          "attributes to be retrieved is either missing or empty"));
    }
    auto max_parts = int_header(call, "x-amz-max-parts", 1000, 0, 1000, true);
    if (!max_parts) return call.fail(max_parts.status());
    auto marker = int_header(call, "x-amz-part-number-marker", 0, 0, kMaxPartNumber, false);
    if (!marker) return call.fail(marker.status());

    auto info = context.store->head_object(call.target.bucket, call.target.key);
    if (!readable(call, info)) return access_denied(call);
    if (!info) return call.fail(info.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "GetObjectAttributesResponse");
    if (wanted[0]) append_text(root, "ETag", info->etag);  // unquoted here, unlike elsewhere
    if (wanted[1] && info->checksum) {
        pugi::xml_node checksum = root.append_child("Checksum");
        append_text(checksum, checksum_element(info->checksum->algorithm), info->checksum->value);
        append_text(checksum, "ChecksumType", info->checksum->type);
    }
    if (wanted[2] && !info->part_sizes.empty()) {
        const auto& sizes = info->part_sizes;
        pugi::xml_node parts = root.append_child("ObjectParts");
        append_text(parts, "PartsCount", std::to_string(sizes.size()));
        append_text(parts, "PartNumberMarker", std::to_string(*marker));
        const size_t first = std::min<size_t>(static_cast<size_t>(*marker), sizes.size());
        const size_t end = std::min(sizes.size(), first + static_cast<size_t>(*max_parts));
        append_text(parts, "NextPartNumberMarker", std::to_string(end));
        append_text(parts, "MaxParts", std::to_string(*max_parts));
        append_text(parts, "IsTruncated", end < sizes.size() ? "true" : "false");
        for (size_t i = first; i < end; ++i) {
            pugi::xml_node part = parts.append_child("Part");
            append_text(part, "PartNumber", std::to_string(i + 1));
            append_text(part, "Size", std::to_string(sizes[i]));
        }
    }
    if (wanted[3]) append_text(root, "StorageClass", "STANDARD");
    if (wanted[4]) append_text(root, "ObjectSize", std::to_string(info->size));
    http::Response response = xml_response(doc);
    response.headers.set("Last-Modified", http_date(info->last_modified));
    return response;
}

http::Response delete_object(const S3Context& context, S3Call& call) {
    Status status = context.store->delete_object(call.target.bucket, call.target.key);
    if (!status.is_ok()) return call.fail(status);
    return empty_response(204);
}

}  // namespace imgpipe::s3
