#include "core/log.h"
#include "s3/handlers.h"
#include "s3/xml.h"
#include "store/names.h"

namespace imgpipe::s3 {
namespace {

constexpr size_t kMaxDeleteKeys = 1000;
// 1000 keys of up to 1024 bytes, escaped, plus markup.
constexpr size_t kMaxDeleteBodyBytes = 8 << 20;

struct DeleteRequest {
    bool quiet = false;
    std::vector<std::string> keys;
};

Result<DeleteRequest> parse_delete(std::string_view body) {
    pugi::xml_document doc;
    IMGPIPE_ASSIGN_OR_RETURN(pugi::xml_node root, parse_body(doc, body, "Delete"));
    DeleteRequest request;
    std::string quiet = child(root, "Quiet").text().as_string();
    request.quiet = quiet == "true" || quiet == "True";
    for (pugi::xml_node node : root.children()) {
        if (node.type() != pugi::node_element || local_name(node) != "Object") continue;
        pugi::xml_node key = child(node, "Key");
        if (!key) return invalid_argument("MalformedXML", "Object without Key");
        request.keys.emplace_back(key.text().as_string());
    }
    if (request.keys.empty() || request.keys.size() > kMaxDeleteKeys) {
        return invalid_argument("MalformedXML", "Delete needs 1 to 1000 Object elements");
    }
    return request;
}

}  // namespace

http::Response delete_objects(const S3Context& context, S3Call& call) {
    auto bucket = context.store->head_bucket(call.target.bucket);
    if (!bucket) return call.fail(bucket.status());
    auto body = read_small_body(call, kMaxDeleteBodyBytes);
    if (!body) return call.fail(body.status());
    auto request = parse_delete(*body);
    if (!request) return call.fail(request.status());

    pugi::xml_document doc;
    pugi::xml_node root = append_result_root(doc, "DeleteResult");
    for (const std::string& key : request->keys) {
        Status status = store::validate_key(key);
        if (status.is_ok()) status = context.store->delete_object(call.target.bucket, key);
        if (status.is_ok()) {
            if (!request->quiet) append_text(root.append_child("Deleted"), "Key", key);
            continue;
        }
        // Errors are reported per key (also in quiet mode); the request as a whole succeeds.
        const S3Error error = s3_error_for(status);
        if (error.http_status >= 500) {
            log::error("s3 delete failed", {{"request_id", call.request.request_id},
                                            {"key", key},
                                            {"status", status.to_string()}});
        }
        pugi::xml_node node = root.append_child("Error");
        append_text(node, "Key", key);
        append_text(node, "Code", error.code);
        append_text(node, "Message", error.message);
    }
    return xml_response(doc);
}

}  // namespace imgpipe::s3
