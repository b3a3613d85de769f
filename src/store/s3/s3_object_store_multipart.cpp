// S3ObjectStore: multipart uploads.
#include "store/names.h"
#include "store/s3/header_codec.h"
#include "store/s3/s3_object_store.h"
#include "store/s3/s3_xml.h"

namespace imgpipe::store::s3 {
namespace {

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        return etag.substr(1, etag.size() - 2);
    }
    return etag;
}

Status check_part_number(int part_number) {
    if (part_number < 1 || part_number > 10000) {
        return invalid_argument("InvalidArgument",
                                "Part number must be an integer between 1 and "
                                "10000, inclusive");
    }
    return Status::ok();
}

// Requests naming an upload: Ceph RGW answers NoSuchKey for an upload id it does not know
// (its upload's meta object is missing); S3 says NoSuchUpload.
Status upload_status(Status status) {
    if (status.reason() == "NoSuchKey") return not_found("NoSuchUpload", status.message());
    return status;
}

}  // namespace

// The service joins the parts: the first step sends CompleteMultipartUpload and waits for it.
class S3Completion final : public MultipartCompletion {
  public:
    S3Completion(S3ObjectStore& store, std::string bucket, std::string key, std::string upload_id,
                 std::vector<CompletedPart> parts)
        : store_(store),
          bucket_(std::move(bucket)),
          key_(std::move(key)),
          upload_id_(std::move(upload_id)),
          parts_(std::move(parts)) {}

    std::optional<Result<ObjectInfo>> run_for(std::chrono::milliseconds /*budget*/) override {
        return store_.complete(bucket_, key_, upload_id_, parts_, WriteCondition{});
    }

  private:
    S3ObjectStore& store_;
    std::string bucket_;
    std::string key_;
    std::string upload_id_;
    std::vector<CompletedPart> parts_;
};

Result<std::string> S3ObjectStore::create_multipart_upload(const PutRequest& request) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(request.key));
    S3Request s3{"POST", request.bucket, request.key};
    s3.query = {{"uploads", ""}};
    s3.headers = attribute_headers(request.attributes);
    if (request.upload_checksum) {
        s3.headers.emplace_back("x-amz-checksum-algorithm", request.upload_checksum->algorithm);
        s3.headers.emplace_back("x-amz-checksum-type", request.upload_checksum->type);
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute(s3));
    return parse_upload_id(response.body);
}

Result<CompletedPart> S3ObjectStore::send_part(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id, int part_number,
                                               const RequestBody& body,
                                               const std::optional<ObjectChecksum>& checksum) {
    S3Request s3{"PUT", bucket, key};
    s3.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
    if (checksum) add_checksum_header(*checksum, s3.headers);
    s3.body = &body;
    auto response = http_.execute(s3);
    if (!response.is_ok()) return upload_status(response.status());
    return CompletedPart{part_number, unquote(response->header("etag"))};
}

Result<PartInfo> S3ObjectStore::upload_part(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id, int part_number,
                                            ByteSource& body,
                                            std::optional<std::string> expected_md5,
                                            const ChecksumAtEnd& checksum) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    IMGPIPE_RETURN_IF_ERROR(check_part_number(part_number));
    // S3 allows parts up to 5 GiB.
    IMGPIPE_ASSIGN_OR_RETURN(
        auto spool, BodySpool::read(body, options().part_size, uint64_t{5} * 1024 * 1024 * 1024));
    if (expected_md5 && *expected_md5 != spool->md5()) {
        return invalid_argument("BadDigest", "Content-MD5 does not match the part");
    }
    RequestBody request_body = spool->body();
    // Spooled: the body has ended and its checksum is known.
    std::optional<ObjectChecksum> part_checksum;
    if (checksum) part_checksum = checksum();
    IMGPIPE_ASSIGN_OR_RETURN(
        auto sent, send_part(bucket, key, upload_id, part_number, request_body, part_checksum));
    return PartInfo{part_number, spool->size(), sent.etag, std::chrono::system_clock::now(),
                    part_checksum};
}

Result<std::unique_ptr<MultipartCompletion>> S3ObjectStore::start_complete_multipart_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    if (parts.empty()) {
        return invalid_argument("MalformedXML", "a multipart upload needs at least one part");
    }
    for (size_t i = 0; i < parts.size(); ++i) {
        IMGPIPE_RETURN_IF_ERROR(check_part_number(parts[i].part_number));
        if (i > 0 && parts[i].part_number <= parts[i - 1].part_number) {
            return invalid_argument("InvalidPartOrder", "parts must be listed in ascending order");
        }
    }
    return std::unique_ptr<MultipartCompletion>(
        std::make_unique<S3Completion>(*this, bucket, key, upload_id, parts));
}

Result<ObjectInfo> S3ObjectStore::complete(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id,
                                           const std::vector<CompletedPart>& parts,
                                           const WriteCondition& condition) {
    // S3 answers a repeated completion with the object it made (RGW even after an abort, with an
    // InternalError): the port wants NoSuchUpload for an upload that is gone.
    IMGPIPE_RETURN_IF_ERROR(list_parts(bucket, key, upload_id, 0, 1).status());
    std::string xml = render_complete_request(parts);
    RequestBody body = RequestBody::of(xml);
    S3Request s3{"POST", bucket, key};
    s3.query = {{"uploadId", upload_id}};
    s3.body = &body;
    s3.sign_body = true;
    if (condition.if_none_match) s3.headers.emplace_back("if-none-match", "*");
    if (condition.if_match) s3.headers.emplace_back("if-match", *condition.if_match);
    auto sent = http_.execute(s3);
    if (!sent.is_ok()) return upload_status(sent.status());
    S3Response& response = *sent;
    // The service may answer 200 and then report a failure in the body.
    IMGPIPE_ASSIGN_OR_RETURN(auto written, parse_write_result(response.body, response.status));
    IMGPIPE_ASSIGN_OR_RETURN(ObjectInfo info, head_object(bucket, key));
    if (!written.etag.empty()) info.etag = written.etag;
    return info;
}

Status S3ObjectStore::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request s3{"DELETE", bucket, key};
    s3.query = {{"uploadId", upload_id}};
    return upload_status(http_.execute(s3).status());
}

Result<ListPartsResult> S3ObjectStore::list_parts(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id,
                                                  int part_number_marker, int max_parts) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(key));
    S3Request s3{"GET", bucket, key};
    s3.query = {{"uploadId", upload_id}, {"max-parts", std::to_string(max_parts)}};
    if (part_number_marker > 0) {
        s3.query.emplace_back("part-number-marker", std::to_string(part_number_marker));
    }
    auto response = http_.execute(s3);
    if (!response.is_ok()) return upload_status(response.status());
    return parse_list_parts(response->body);
}

Result<std::vector<MultipartUploadInfo>> S3ObjectStore::list_multipart_uploads(
    const std::string& bucket, const std::string& prefix) {
    std::vector<MultipartUploadInfo> out;
    std::string key_marker;
    std::string upload_id_marker;
    for (;;) {
        S3Request s3{"GET", bucket};
        s3.query = {{"uploads", ""}, {"encoding-type", "url"}};
        if (!prefix.empty()) s3.query.emplace_back("prefix", prefix);
        if (!key_marker.empty()) s3.query.emplace_back("key-marker", key_marker);
        if (!upload_id_marker.empty()) s3.query.emplace_back("upload-id-marker", upload_id_marker);
        IMGPIPE_ASSIGN_OR_RETURN(auto response, http_.execute(s3));
        IMGPIPE_ASSIGN_OR_RETURN(auto page, parse_list_uploads(response.body, bucket));
        out.insert(out.end(), page.uploads.begin(), page.uploads.end());
        if (!page.is_truncated || page.next_key_marker.empty()) break;
        key_marker = page.next_key_marker;
        upload_id_marker = page.next_upload_id_marker;
    }
    return out;
}

}  // namespace imgpipe::store::s3
