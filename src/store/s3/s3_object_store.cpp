#include "store/s3/s3_object_store.h"

#include <charconv>

#include "sigv4/auth_params.h"
#include "store/names.h"
#include "store/s3/header_codec.h"
#include "store/s3/s3_xml.h"

namespace imgpipe::store::s3 {
namespace {

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        return etag.substr(1, etag.size() - 2);
    }
    return etag;
}

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

TimePoint http_time(const S3Response& response, const std::string& name) {
    auto t = sigv4::parse_http_date(response.header(name));
    return t ? *t : std::chrono::system_clock::now();
}

// The object a HEAD or GET response describes. For a 206, the size is the whole object's,
// from Content-Range ("bytes 10-19/1234").
ObjectInfo info_from(const std::string& bucket, const std::string& key,
                     const S3Response& response) {
    ObjectInfo info;
    info.bucket = bucket;
    info.key = key;
    info.size = to_u64(response.header("content-length"));
    std::string range = response.header("content-range");
    if (auto slash = range.rfind('/'); slash != std::string::npos) {
        info.size = to_u64(std::string_view(range).substr(slash + 1));
    }
    info.etag = unquote(response.header("etag"));
    info.last_modified = http_time(response, "last-modified");
    info.attributes = attributes_from(response.headers);
    // Answered for requests with x-amz-checksum-mode: ENABLED, by services that keep them.
    for (std::string_view algorithm : {"crc32", "crc32c", "crc64nvme", "sha1", "sha256"}) {
        std::string value = response.header("x-amz-checksum-" + std::string(algorithm));
        if (value.empty()) continue;
        std::string name(algorithm);
        for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        std::string type = response.header("x-amz-checksum-type");
        info.checksum = ObjectChecksum{name, value, type.empty() ? "FULL_OBJECT" : type};
    }
    return info;
}

}  // namespace

S3ObjectStore::S3ObjectStore(S3ClientOptions options) : http_(std::move(options)) {}

S3ObjectStore::~S3ObjectStore() = default;

Status S3ObjectStore::missing_key_or_bucket(const std::string& bucket, const Status& status) {
    if (status.code() != StatusCode::kNotFound || status.reason() != "NoSuchKey") return status;
    auto exists = head_bucket(bucket);
    return exists.is_ok() ? status : exists.status();
}

// ---- buckets
// --------------------------------------------------------------------------------------

Status S3ObjectStore::create_bucket(const std::string& bucket) {
    IMGPIPE_RETURN_IF_ERROR(validate_bucket_name(bucket));
    auto existing = head_bucket(bucket);
    if (existing.is_ok()) {
        return {StatusCode::kAlreadyExists, "BucketAlreadyOwnedByYou",
                "bucket " + bucket + " exists"};
    }
    if (existing.status().reason() != "NoSuchBucket") return existing.status();
    S3Request request{"PUT", bucket};
    std::string body;
    RequestBody request_body;
    const std::string& region = options().credentials.region;
    if (region != "us-east-1") {
        body = render_create_bucket(region);
        request_body = RequestBody::of(body);
        request.body = &request_body;
        request.sign_body = true;
    }
    return http_.execute(request).status();
}

Status S3ObjectStore::delete_bucket(const std::string& bucket) {
    // The port (as AWS) aborts the uploads in progress of a bucket it deletes; Ceph RGW deletes
    // the bucket and strands them. So: objects refuse the delete; uploads are aborted first.
    ListRequest any_object{bucket, "", "", "", 1};
    IMGPIPE_ASSIGN_OR_RETURN(auto objects, list_objects(any_object));
    if (!objects.objects.empty()) {
        return {StatusCode::kFailedPrecondition, "BucketNotEmpty",
                "bucket " + bucket + " has objects"};
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto uploads, list_multipart_uploads(bucket, ""));
    for (const auto& u : uploads) {
        Status aborted = abort_multipart_upload(bucket, u.key, u.upload_id);
        if (!aborted.is_ok() && aborted.reason() != "NoSuchUpload") return aborted;
    }
    return http_.execute({"DELETE", bucket}).status();
}

Result<BucketInfo> S3ObjectStore::head_bucket(const std::string& bucket) {
    auto response = http_.execute({"HEAD", bucket});
    if (!response.is_ok()) {
        if (response.status().code() == StatusCode::kNotFound) {
            return not_found("NoSuchBucket", "no bucket " + bucket);
        }
        return response.status();
    }
    return BucketInfo{bucket, TimePoint{}};
}

Result<std::vector<BucketInfo>> S3ObjectStore::list_buckets() {
    IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute({"GET"}));
    return parse_list_buckets(response.body);
}

Result<std::string> S3ObjectStore::get_bucket_cors(const std::string& bucket) {
    S3Request request{"GET", bucket};
    request.query = {{"cors", ""}};
    auto response = http_.execute(request);
    if (!response.is_ok()) {
        if (response.status().reason() == "NoSuchCORSConfiguration") return std::string();
        return response.status();
    }
    return canonical_cors(response->body);
}

Status S3ObjectStore::put_bucket_cors(const std::string& bucket, const std::string& cors_xml) {
    S3Request request{cors_xml.empty() ? "DELETE" : "PUT", bucket};
    request.query = {{"cors", ""}};
    RequestBody body = RequestBody::of(cors_xml);
    if (!cors_xml.empty()) {
        Md5 md5;  // PutBucketCors requires Content-MD5
        md5.update(cors_xml);
        body.md5 = md5.finish();
        request.body = &body;
        request.sign_body = true;
    }
    auto response = http_.execute(request);
    if (!response.is_ok() && cors_xml.empty() &&
        response.status().reason() == "NoSuchCORSConfiguration") {
        return Status::ok();
    }
    return response.status();
}

Result<std::optional<CannedAcl>> S3ObjectStore::get_bucket_acl(const std::string& bucket) {
    S3Request request{"GET", bucket};
    request.query = {{"acl", ""}};
    IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute(request));
    IMGPIPE_ASSIGN_OR_RETURN(CannedAcl acl, parse_acl_policy(response.body));
    return std::optional(acl);
}

Status S3ObjectStore::put_bucket_acl(const std::string& bucket, CannedAcl acl) {
    S3Request request{"PUT", bucket};
    request.query = {{"acl", ""}};
    request.headers = {{"x-amz-acl", std::string(canned_acl_header(acl))}};
    return http_.execute(request).status();
}

Result<CannedAcl> S3ObjectStore::get_object_acl(const std::string& bucket, const std::string& key) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request request{"GET", bucket, key};
    request.query = {{"acl", ""}};
    IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute(request));
    return parse_acl_policy(response.body);
}

Status S3ObjectStore::put_object_acl(const std::string& bucket, const std::string& key,
                                     CannedAcl acl) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request request{"PUT", bucket, key};
    request.query = {{"acl", ""}};
    request.headers = {{"x-amz-acl", std::string(canned_acl_header(acl))}};
    return http_.execute(request).status();
}

// ---- objects
// --------------------------------------------------------------------------------------

Result<ObjectInfo> S3ObjectStore::head_object(const std::string& bucket, const std::string& key) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request request{"HEAD", bucket, key};
    request.headers.emplace_back("x-amz-checksum-mode", "ENABLED");
    auto response = http_.execute(request);
    if (!response.is_ok()) return missing_key_or_bucket(bucket, response.status());
    return info_from(bucket, key, *response);
}

Result<ObjectReader> S3ObjectStore::get_object(const std::string& bucket, const std::string& key,
                                               std::optional<ByteRange> range) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request request{"GET", bucket, key};
    request.headers.emplace_back("x-amz-checksum-mode", "ENABLED");
    if (range) {
        request.headers.emplace_back(
            "range", "bytes=" + std::to_string(range->first) + "-" + std::to_string(range->last));
    }
    auto download = http_.open(request);
    if (!download.is_ok()) return missing_key_or_bucket(bucket, download.status());
    ObjectReader reader;
    reader.info = info_from(bucket, key, (*download)->response());
    reader.body = std::move(*download);
    return reader;
}

Status S3ObjectStore::delete_object(const std::string& bucket, const std::string& key) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    auto response = http_.execute({"DELETE", bucket, key});
    if (!response.is_ok() && response.status().reason() == "NoSuchKey") return Status::ok();
    return response.status();
}

Result<ObjectInfo> S3ObjectStore::copy_object(const std::string& src_bucket,
                                              const std::string& src_key, const PutRequest& dest) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(src_key));
    IMGPIPE_RETURN_IF_ERROR(validate_key(dest.key));
    S3Request request{"PUT", dest.bucket, dest.key};
    request.headers = attribute_headers(dest.attributes);
    request.headers.emplace_back("x-amz-copy-source",
                                 "/" + src_bucket + "/" + sigv4::uri_encode(src_key, true));
    request.headers.emplace_back("x-amz-metadata-directive", "REPLACE");
    // The service keeps the source's checksum; one given for the copy names the algorithm the
    // service is to compute it in.
    if (dest.checksum) {
        if (auto checksum = dest.checksum()) {
            request.headers.emplace_back("x-amz-checksum-algorithm", checksum->algorithm);
        }
    }
    if (dest.condition.if_none_match) request.headers.emplace_back("if-none-match", "*");
    if (dest.condition.if_match) {
        request.headers.emplace_back("if-match", *dest.condition.if_match);
    }
    auto response = http_.execute(request);
    if (!response.is_ok()) return refine_precondition(dest, response.status());
    // CopyObject may fail after its 200 has been sent: the error is then the body.
    IMGPIPE_ASSIGN_OR_RETURN(auto written, parse_write_result(response->body, response->status));
    IMGPIPE_ASSIGN_OR_RETURN(ObjectInfo info, head_object(dest.bucket, dest.key));
    if (!written.etag.empty()) info.etag = written.etag;
    return info;
}

Result<ListResult> S3ObjectStore::list_objects(const ListRequest& request) {
    S3Request s3{"GET", request.bucket};
    s3.query = {{"list-type", "2"},
                {"encoding-type", "url"},
                {"max-keys", std::to_string(request.max_keys)}};
    if (!request.prefix.empty()) s3.query.emplace_back("prefix", request.prefix);
    if (!request.delimiter.empty()) s3.query.emplace_back("delimiter", request.delimiter);
    if (!request.start_after.empty()) s3.query.emplace_back("start-after", request.start_after);
    IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute(s3));
    IMGPIPE_ASSIGN_OR_RETURN(ListResult result, parse_list_objects(response.body, request.bucket));
    if (request.max_keys == 0) result.is_truncated = false;
    return result;
}

}  // namespace imgpipe::store::s3
