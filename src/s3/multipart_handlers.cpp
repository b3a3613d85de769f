#include <algorithm>

#include "s3/acl.h"
#include "s3/checksums.h"
#include "s3/handlers.h"
#include "s3/keepalive_body.h"
#include "s3/xml.h"
#include "sigv4/checksum_combine.h"

namespace imgpipe::s3 {
namespace {

constexpr int kMaxPartNumber = 10000;
constexpr uint64_t kMaxPartBytes = 5ull << 30;
// A CompleteMultipartUpload body for 10,000 parts is about 1 MiB.
constexpr size_t kMaxCompleteBodyBytes = 4 << 20;

void append_initiator(pugi::xml_node parent, const S3Call& call) {
    append_owner(parent, call, "Initiator");
    append_owner(parent, call, "Owner");
}

Result<std::vector<store::CompletedPart>> parse_completed_parts(std::string_view body) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(pugi::xml_node root, parse_body(doc, body, "CompleteMultipartUpload"));
    std::vector<store::CompletedPart> parts;
    for (pugi::xml_node node : root.children()) {
        if (node.type() != pugi::node_element || local_name(node) != "Part") continue;
        pugi::xml_node number = child(node, "PartNumber");
        pugi::xml_node etag = child(node, "ETag");
        std::string number_text = number.text().as_string();
        if (!number || !etag || number_text.empty() ||
            number_text.find_first_not_of("0123456789") != std::string::npos ||
            number_text.size() > 5) {
            return invalid_argument("MalformedXML", "Part needs a numeric PartNumber and an ETag");
        }
        store::CompletedPart part{std::stoi(number_text), unquote_etag(etag.text().as_string())};
        for (pugi::xml_node item : node.children()) {
            const std::string name(local_name(item));
            if (item.type() != pugi::node_element || !name.starts_with("Checksum")) continue;
            auto algorithm = sigv4::checksum_from_name(std::string_view(name).substr(8));
            if (!algorithm) continue;  // ChecksumType and the like
            if (part.checksum) {
                return invalid_argument("InvalidRequest", "a Part lists more than one checksum");
            }
            part.checksum = store::ObjectChecksum{std::string(sigv4::checksum_name(*algorithm)),
                                                  item.text().as_string(), ""};
        }
        parts.push_back(std::move(part));
    }
    if (parts.empty()) return invalid_argument("MalformedXML", "no Part elements");
    return parts;
}

// The object checksum a completion makes from the upload's parts (s3/checksums.h); the parts
// are read before the store checks the request, so an unknown upload is NoSuchUpload here (or,
// for a retried completion, no checksum: the store answers it with the object it made).
Result<std::optional<store::ObjectChecksum>> completed_checksum(
    const S3Context& context, const S3Call& call, const std::string& upload_id,
    const std::vector<store::CompletedPart>& listed) {
    std::vector<store::PartInfo> stored;
    std::optional<store::ObjectChecksum> upload;
    int marker = 0;
    for (;;) {
        auto page =
            context.store->list_parts(call.target.bucket, call.target.key, upload_id, marker, 1000);
        if (!page) {
            if (page.status().reason() == "NoSuchUpload") {
                return std::optional<store::ObjectChecksum>();
            }
            return page.status();
        }
        upload = page->upload_checksum;
        for (store::PartInfo& part : page->parts) stored.push_back(std::move(part));
        if (!page->is_truncated || page->parts.empty()) break;
        marker = page->next_part_number_marker;
    }
    return multipart_checksum(call.request.headers, upload, listed, stored);
}

}  // namespace

http::Response create_multipart_upload(const S3Context& context, S3Call& call) {
    auto acl = new_object_acl(context, call);
    if (!acl) return fail_acl(call, acl.status());
    store::PutRequest request;
    request.bucket = call.target.bucket;
    request.key = call.target.key;
    request.attributes = attributes_from_headers(call.request.headers);
    request.attributes.acl = *acl;
    request.created_by = store::CreatedBy::kCompleteMultipartUpload;
    auto checksum = upload_checksum(call.request.headers);
    if (!checksum) return call.fail(checksum.status(), checksum_failure_extras(checksum.status()));
    request.upload_checksum = *checksum;
    auto upload_id = context.store->create_multipart_upload(request);
    if (!upload_id) return call.fail(upload_id.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "InitiateMultipartUploadResult");
    append_text(root, "Bucket", call.target.bucket);
    append_text(root, "Key", call.target.key);
    append_text(root, "UploadId", *upload_id);
    http::Response response = xml_response(doc);
    // Echoed as AWS does; SDKs that asked for part checksums look for it.
    if (*checksum) {
        response.headers.set("x-amz-checksum-algorithm", (*checksum)->algorithm);
        response.headers.set("x-amz-checksum-type", (*checksum)->type);
    }
    return response;
}

http::Response upload_part(const S3Context& context, S3Call& call) {
    auto part_number = int_param(call, "partNumber", 0, 1, kMaxPartNumber, false);
    if (!part_number) {
        return call.fail("InvalidArgument", StatusCode::kInvalidArgument,
                         "Part number must be an integer between 1 and 10000, inclusive");
    }
    const std::string upload_id = call.query.get_or("uploadId", "");
    // A part for an unknown upload must not invite the body (100-continue).
    auto known = context.store->list_parts(call.target.bucket, call.target.key, upload_id,
                                           kMaxPartNumber, 1);
    if (!known) return call.fail(known.status());
    auto md5 = content_md5(call.request.headers);
    if (!md5) return call.fail(md5.status());
    // A part of an upload with a checksum algorithm is kept with its checksum in that one,
    // computed here when the request carries none.
    auto algorithm = part_algorithm(call.request.headers, known->upload_checksum);
    if (!algorithm)
        return call.fail(algorithm.status(), checksum_failure_extras(algorithm.status()));
    auto payload = open_body(call, *algorithm);
    if (!payload) return call.fail(payload.status(), checksum_failure_extras(payload.status()));
    if ((*payload)->declared_length().value_or(0) > kMaxPartBytes) {
        return call.fail(
            Status(StatusCode::kResourceExhausted, "EntityTooLarge", "part over 5 GiB"));
    }
    auto part =
        context.store->upload_part(call.target.bucket, call.target.key, upload_id, *part_number,
                                   **payload, *md5, checksum_at_end(**payload));
    if (!part) return call.fail(part.status());

    http::Response response = empty_response(200);
    response.headers.set("ETag", quote_etag(part->etag));
    add_checksum_header(response, **payload);
    return response;
}

http::Response complete_multipart_upload(const S3Context& context, S3Call& call) {
    const std::string upload_id = call.query.get_or("uploadId", "");
    // Its x-amz-checksum-* header is the object's checksum, not the XML's.
    auto body = read_small_body(call, kMaxCompleteBodyBytes, /*checksum_headers_are_body=*/false);
    if (!body) return call.fail(body.status());
    auto parts = parse_completed_parts(*body);
    if (!parts) return call.fail(parts.status(), checksum_failure_extras(parts.status()));
    auto condition = write_condition(call.request.headers);
    if (!condition) return call.fail(condition.status());
    auto checksum = completed_checksum(context, call, upload_id, *parts);
    if (!checksum) return call.fail(checksum.status(), checksum_failure_extras(checksum.status()));
    // Errors found by the checks get their own status; only the joining runs after the 200.
    auto started = context.store->start_complete(
        {call.target.bucket, call.target.key, upload_id, std::move(*parts), *condition, *checksum});
    if (!started) return call.fail(started.status());
    std::shared_ptr<store::MultipartCompletion> completion = std::move(started).value();

    const std::string host = call.request.headers.get_or("Host", "localhost");
    const std::string location = "http://" + host + "/" + call.target.bucket + "/" +
                                 sigv4::uri_encode(call.target.key, true);
    auto render = [location, target = call.target, resource = call.resource,
                   request_id = call.request.request_id](const Result<store::ObjectInfo>& info) {
        if (!info) return error_response(info.status(), resource, request_id).body;
        pugi::xml_document doc;
        pugi::xml_node root = append_result_root(doc, "CompleteMultipartUploadResult");
        append_text(root, "Location", location);
        append_text(root, "Bucket", target.bucket);
        append_text(root, "Key", target.key);
        append_text(root, "ETag", quote_etag(info->etag));
        if (info->checksum) {
            append_text(root, checksum_element(info->checksum->algorithm), info->checksum->value);
            append_text(root, "ChecksumType", info->checksum->type);
        }
        return render_xml(doc);
    };
    const auto interval = context.options.keepalive_interval;
    if (auto done = completion->run_for(interval)) {
        if (!*done) return call.fail(done->status());
        http::Response response = empty_response(200);
        response.headers.set("Content-Type", "application/xml");
        response.body = render(*done);
        return response;
    }
    http::Response response = empty_response(200);
    response.headers.set("Content-Type", "application/xml");
    response.source = std::make_unique<KeepAliveBody>(
        [completion, render, interval]() -> std::optional<std::string> {
            auto done = completion->run_for(interval);
            if (!done) return std::nullopt;
            return render(*done).substr(kXmlProlog.size());
        });
    return response;
}

http::Response abort_multipart_upload(const S3Context& context, S3Call& call) {
    Status status = context.store->abort_multipart_upload(call.target.bucket, call.target.key,
                                                          call.query.get_or("uploadId", ""));
    if (!status.is_ok()) return call.fail(status);
    return empty_response(204);
}

http::Response list_parts(const S3Context& context, S3Call& call) {
    const std::string upload_id = call.query.get_or("uploadId", "");
    auto max_parts = int_param(call, "max-parts", 1000, 0, 1000, true);
    if (!max_parts) return call.fail(max_parts.status());
    auto marker = int_param(call, "part-number-marker", 0, 0, kMaxPartNumber, false);
    if (!marker) return call.fail(marker.status());
    auto result = context.store->list_parts(call.target.bucket, call.target.key, upload_id, *marker,
                                            *max_parts);
    if (!result) return call.fail(result.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListPartsResult");
    append_text(root, "Bucket", call.target.bucket);
    append_text(root, "Key", call.target.key);
    append_text(root, "UploadId", upload_id);
    append_text(root, "PartNumberMarker", std::to_string(*marker));
    const int next = result->parts.empty() ? 0 : result->parts.back().part_number;
    append_text(root, "NextPartNumberMarker",
                std::to_string(result->is_truncated ? result->next_part_number_marker : next));
    append_text(root, "MaxParts", std::to_string(*max_parts));
    append_text(root, "IsTruncated", result->is_truncated ? "true" : "false");
    for (const store::PartInfo& part : result->parts) {
        pugi::xml_node node = root.append_child("Part");
        append_text(node, "PartNumber", std::to_string(part.part_number));
        append_text(node, "LastModified", iso8601(part.last_modified));
        append_text(node, "ETag", quote_etag(part.etag));
        append_text(node, "Size", std::to_string(part.size));
        if (part.checksum) {
            append_text(node, checksum_element(part.checksum->algorithm), part.checksum->value);
        }
    }
    append_initiator(root, call);
    append_text(root, "StorageClass", "STANDARD");
    if (result->upload_checksum) {
        append_text(root, "ChecksumAlgorithm", result->upload_checksum->algorithm);
        append_text(root, "ChecksumType", result->upload_checksum->type);
    }
    return xml_response(doc);
}

http::Response list_multipart_uploads(const S3Context& context, S3Call& call) {
    const std::string prefix = call.query.get_or("prefix", "");
    const std::string key_marker = call.query.get_or("key-marker", "");
    const std::string id_marker = call.query.get_or("upload-id-marker", "");
    auto max_uploads = int_param(call, "max-uploads", 1000, 0, 1000, true);
    if (!max_uploads) return call.fail(max_uploads.status());
    auto uploads = context.store->list_multipart_uploads(call.target.bucket, prefix);
    if (!uploads) return call.fail(uploads.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "ListMultipartUploadsResult");
    append_text(root, "Bucket", call.target.bucket);
    append_text(root, "KeyMarker", key_marker);
    append_text(root, "UploadIdMarker", id_marker);
    std::vector<const store::MultipartUploadInfo*> page;
    bool truncated = false;
    // Uploads come ordered by key then initiation; the markers name the last one returned, so
    // skip up to and including it.
    bool passed_id_marker = false;
    for (const store::MultipartUploadInfo& upload : *uploads) {
        if (!key_marker.empty() && upload.key < key_marker) continue;
        if (!key_marker.empty() && upload.key == key_marker &&
            (id_marker.empty() || !passed_id_marker)) {
            passed_id_marker = passed_id_marker || upload.upload_id == id_marker;
            continue;
        }
        if (static_cast<int>(page.size()) == *max_uploads) {
            truncated = true;
            break;
        }
        page.push_back(&upload);
    }
    if (truncated && !page.empty()) {
        append_text(root, "NextKeyMarker", page.back()->key);
        append_text(root, "NextUploadIdMarker", page.back()->upload_id);
    }
    if (!prefix.empty()) append_text(root, "Prefix", prefix);
    append_text(root, "MaxUploads", std::to_string(*max_uploads));
    append_text(root, "IsTruncated", truncated ? "true" : "false");
    for (const store::MultipartUploadInfo* upload : page) {
        pugi::xml_node node = root.append_child("Upload");
        append_text(node, "Key", upload->key);
        append_text(node, "UploadId", upload->upload_id);
        append_initiator(node, call);
        append_text(node, "StorageClass", "STANDARD");
        append_text(node, "Initiated", iso8601(upload->initiated));
    }
    return xml_response(doc);
}

}  // namespace imgpipe::s3
