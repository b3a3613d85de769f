// S3ObjectStore::put_object: one PUT for bodies up to a part, a multipart upload beyond.
#include <chrono>

#include "sigv4/auth_params.h"
#include "store/names.h"
#include "store/s3/header_codec.h"
#include "store/s3/s3_object_store.h"

namespace imgpipe::store::s3 {
namespace {

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        return etag.substr(1, etag.size() - 2);
    }
    return etag;
}

Status too_large(uint64_t max_size) {
    return {StatusCode::kResourceExhausted, "EntityTooLarge",
            "body is larger than " + std::to_string(max_size) + " bytes"};
}

Status too_small(uint64_t size, uint64_t min_size) {
    return invalid_argument("EntityTooSmall", "body of " + std::to_string(size) +
                                                  " bytes is under " + std::to_string(min_size));
}

Status bad_digest() { return invalid_argument("BadDigest", "Content-MD5 does not match the body"); }

void add_condition(const WriteCondition& condition,
                   std::vector<std::pair<std::string, std::string>>& headers) {
    if (condition.if_none_match) headers.emplace_back("if-none-match", "*");
    // Unquoted: Ceph RGW compares the header with the bare ETag; AWS accepts either form.
    if (condition.if_match) headers.emplace_back("if-match", *condition.if_match);
}

}  // namespace

Status S3ObjectStore::refine_precondition(const PutRequest& request, const Status& status) {
    if (status.reason() != "PreconditionFailed" || !request.condition.if_match) return status;
    auto current = head_object(request.bucket, request.key);
    if (!current.is_ok() && current.status().reason() == "NoSuchKey") {
        return not_found("NoSuchKey", "If-Match: the key has no object");
    }
    return status;
}

Result<ObjectInfo> S3ObjectStore::put_object(const PutRequest& request, ByteSource& body) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(request.key));
    const uint64_t part_size = options().part_size;
    // Read one byte past the limit (or the part) to know whether the body goes on.
    uint64_t first_limit = std::min<uint64_t>(
        part_size, request.max_size == UINT64_MAX ? part_size : request.max_size + 1);
    std::string first;
    IMGPIPE_ASSIGN_OR_RETURN(bool ended, read_up_to(body, first, first_limit));
    if (first.size() > request.max_size) return too_large(request.max_size);
    if (!ended) {
        // Exactly one part's worth so far: is there more?
        std::string carry;
        IMGPIPE_ASSIGN_OR_RETURN(bool carry_ended, read_up_to(body, carry, 1));
        if (!carry.empty()) {
            if (first.size() + carry.size() > request.max_size) return too_large(request.max_size);
            return put_multipart(request, std::move(first), body, std::move(carry));
        }
        ended = carry_ended;
    }
    if (first.size() < request.min_size) return too_small(first.size(), request.min_size);
    Md5 md5;
    md5.update(first);
    std::string digest = md5.finish();
    if (request.expected_md5 && *request.expected_md5 != digest) return bad_digest();
    return put_single(request, first, digest);
}

Result<ObjectInfo> S3ObjectStore::put_single(const PutRequest& request, const std::string& data,
                                             const std::string& md5) {
    S3Request s3{"PUT", request.bucket, request.key};
    s3.headers = attribute_headers(request.attributes);
    add_condition(request.condition, s3.headers);
    // The body has been read whole, so a checksum that came last is known: the service checks
    // it again and keeps it.
    std::optional<ObjectChecksum> checksum;
    if (request.checksum) checksum = request.checksum();
    if (checksum) add_checksum_header(*checksum, s3.headers);
    RequestBody body = RequestBody::of(data);
    body.md5 = md5;
    s3.body = &body;
    auto response = http_.execute(s3);
    if (!response.is_ok()) return refine_precondition(request, response.status());
    ObjectInfo info;
    info.bucket = request.bucket;
    info.key = request.key;
    info.size = data.size();
    info.etag = unquote(response->header("etag"));
    auto date = sigv4::parse_http_date(response->header("date"));
    info.last_modified = date ? *date : std::chrono::system_clock::now();
    info.attributes = request.attributes;
    info.checksum = checksum;
    return info;
}

Result<ObjectInfo> S3ObjectStore::put_multipart(const PutRequest& request, std::string first,
                                                ByteSource& body, std::string carry) {
    IMGPIPE_ASSIGN_OR_RETURN(std::string upload_id, create_multipart_upload(request));
    // Whatever goes wrong from here on, the upload must not outlive this call.
    auto fail = [&](Status status) {
        (void)abort_multipart_upload(request.bucket, request.key, upload_id);
        return status;
    };
    const uint64_t part_size = options().part_size;
    Md5 whole;
    std::vector<CompletedPart> parts;
    uint64_t total = 0;
    std::string part = std::move(first);
    // Invariant: `part` is full and `carry` holds the byte read beyond it, or the body ended.
    bool ended = false;
    for (int number = 1;; ++number) {
        if (number > 10000) return fail(too_large(total));
        total += part.size();
        whole.update(part);
        RequestBody part_body = RequestBody::of(part);
        Md5 part_md5;
        part_md5.update(part);
        part_body.md5 = part_md5.finish();
        auto sent = send_part(request.bucket, request.key, upload_id, number, part_body);
        if (!sent.is_ok()) return fail(sent.status());
        parts.push_back(*sent);
        if (ended) break;
        part = std::move(carry);
        carry.clear();
        auto more = read_up_to(body, part, part_size);
        if (!more.is_ok()) return fail(more.status());
        ended = *more;
        if (!ended) {
            auto probe = read_up_to(body, carry, 1);
            if (!probe.is_ok()) return fail(probe.status());
            ended = carry.empty();
        }
        if (total + part.size() + carry.size() > request.max_size) {
            return fail(too_large(request.max_size));
        }
        if (part.empty()) break;
    }
    if (total < request.min_size) return fail(too_small(total, request.min_size));
    if (request.expected_md5 && *request.expected_md5 != whole.finish()) return fail(bad_digest());
    auto done = complete(request.bucket, request.key, upload_id, parts, request.condition);
    if (!done.is_ok()) return fail(refine_precondition(request, done.status()));
    done->attributes = request.attributes;
    return done;
}

}  // namespace imgpipe::store::s3
