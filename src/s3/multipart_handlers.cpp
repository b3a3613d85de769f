#include <algorithm>

#include "s3/acl.h"
#include "s3/handlers.h"
#include "s3/keepalive_body.h"
#include "s3/xml.h"

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
        parts.push_back({std::stoi(number_text), unquote_etag(etag.text().as_string())});
    }
    if (parts.empty()) return invalid_argument("MalformedXML", "no Part elements");
    return parts;
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
    auto upload_id = context.store->create_multipart_upload(request);
    if (!upload_id) return call.fail(upload_id.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "InitiateMultipartUploadResult");
    append_text(root, "Bucket", call.target.bucket);
    append_text(root, "Key", call.target.key);
    append_text(root, "UploadId", *upload_id);
    http::Response response = xml_response(doc);
    // Echoed as AWS does; SDKs that asked for part checksums look for it.
    for (std::string_view name : {"x-amz-checksum-algorithm", "x-amz-checksum-type"}) {
        if (auto value = call.request.headers.get(name)) {
            response.headers.set(name, std::string(*value));
        }
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
    auto payload = open_body(call);
    if (!payload) return call.fail(payload.status());
    if ((*payload)->declared_length().value_or(0) > kMaxPartBytes) {
        return call.fail(
            Status(StatusCode::kResourceExhausted, "EntityTooLarge", "part over 5 GiB"));
    }
    auto part = context.store->upload_part(call.target.bucket, call.target.key, upload_id,
                                           *part_number, **payload, *md5);
    if (!part) return call.fail(part.status());

    http::Response response = empty_response(200);
    response.headers.set("ETag", quote_etag(part->etag));
    add_checksum_header(response, **payload);
    return response;
}

http::Response complete_multipart_upload(const S3Context& context, S3Call& call) {
    const std::string upload_id = call.query.get_or("uploadId", "");
    auto body = read_small_body(call, kMaxCompleteBodyBytes);
    if (!body) return call.fail(body.status());
    auto parts = parse_completed_parts(*body);
    if (!parts) return call.fail(parts.status());
    auto condition = write_condition(call.request.headers);
    if (!condition) return call.fail(condition.status());
    // Errors found by the checks get their own status; only the joining runs after the 200.
    auto started = context.store->start_complete(
        {call.target.bucket, call.target.key, upload_id, std::move(*parts), *condition});
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
    }
    append_initiator(root, call);
    append_text(root, "StorageClass", "STANDARD");
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
