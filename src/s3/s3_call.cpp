#include "s3/s3_call.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>

#include "s3/acl.h"
#include "s3/checksums.h"
#include "s3/codec.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// Content-Encoding without the aws-chunked coding, which describes only the transfer
// ("aws-chunked, gzip" is stored as "gzip"; plain "aws-chunked" as absent).
std::string strip_aws_chunked(std::string_view value) {
    std::string out;
    while (!value.empty()) {
        auto comma = value.find(',');
        std::string coding = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
        if (coding.empty() || to_lower(coding) == "aws-chunked") continue;
        if (!out.empty()) out += ",";
        out += coding;
    }
    return out;
}

std::string md5(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), out, &size, EVP_md5(), nullptr);
    return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

http::Response S3Call::fail(std::string reason, StatusCode code, std::string public_message) const {
    ErrorExtras extras{.message = public_message};
    return fail(Status(code, std::move(reason), std::move(public_message)), extras);
}

bool is_allowed(const S3Context& context, const S3Call& call, std::string_view bucket,
                Action action) {
    if (!call.auth) {
        auto access = bucket_access(context, std::string(bucket));
        if (!access) return false;
        if (action == Action::kRead) return access->read;
        if (action == Action::kWrite) return access->write;
        return false;
    }
    if (context.keyring == nullptr) return true;
    return context.keyring->allows(call.auth->access_key_id, bucket, action);
}

Result<std::unique_ptr<sigv4::PayloadSource>> open_body(
    const S3Call& call, std::optional<sigv4::ChecksumAlgorithm> compute_if_absent) {
    IMGPIPE_RETURN_IF_ERROR(check_algorithm_header(call.request.headers));
    // Anonymous uploads (public-write buckets) carry no signature: their payload is unsigned,
    // but checksum headers are still verified.
    static const sigv4::Authorization kAnonymous{};
    const sigv4::Authorization& auth = call.auth ? *call.auth : kAnonymous;
    return sigv4::open_payload(auth, call.request.headers.entries(), call.request.content_length,
                               *call.request.body, compute_if_absent);
}

Result<std::string> read_small_body(const S3Call& call, size_t limit,
                                    bool checksum_headers_are_body) {
    std::unique_ptr<sigv4::PayloadSource> payload;
    if (checksum_headers_are_body) {
        IMGPIPE_ASSIGN_OR_RETURN(payload, open_body(call));
    } else {
        sigv4::HeaderList headers;
        for (const auto& [name, value] : call.request.headers.entries()) {
            if (!sigv4::checksum_from_header(name)) headers.emplace_back(name, value);
        }
        static const sigv4::Authorization kAnonymous{};
        IMGPIPE_ASSIGN_OR_RETURN(
            payload, sigv4::open_payload(call.auth ? *call.auth : kAnonymous, headers,
                                         call.request.content_length, *call.request.body));
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto expected_md5, content_md5(call.request.headers));
    auto body = read_all(*payload, limit);
    if (!body.is_ok()) {
        if (body.status().reason() == "TooLarge") {
            return invalid_argument("MaxMessageLengthExceeded", body.status().message());
        }
        return body.status();
    }
    if (expected_md5 && *expected_md5 != md5(*body)) {
        return invalid_argument("BadDigest", "Content-MD5 does not match the body");
    }
    return std::move(body).value();
}

Result<std::optional<std::string>> content_md5(const http::Headers& headers) {
    auto value = headers.get("Content-MD5");
    if (!value) return std::optional<std::string>();
    auto raw = base64_decode(trim(*value));
    if (!raw || raw->size() != 16) {
        return invalid_argument("InvalidDigest", "Content-MD5 is not base64 of 16 bytes");
    }
    return std::optional<std::string>(std::move(*raw));
}

store::ObjectAttributes attributes_from_headers(const http::Headers& headers) {
    store::ObjectAttributes attrs;
    attrs.content_type = headers.get_or("Content-Type", "");
    for (const auto& [name, value] : headers.entries()) {
        std::string lower = to_lower(name);
        if (lower.size() > kMetaPrefix.size() && lower.starts_with(kMetaPrefix)) {
            std::string meta = lower.substr(kMetaPrefix.size());
            auto [it, inserted] = attrs.metadata.emplace(meta, metadata_from_header(value));
            // Repeated headers, as HTTP joins them.
            if (!inserted) it->second += "," + metadata_from_header(value);
        }
    }
    for (std::string_view name :
         {"cache-control", "content-disposition", "content-language", "expires"}) {
        if (auto v = headers.get(name)) attrs.headers.emplace(name, std::string(*v));
    }
    if (auto v = headers.get("content-encoding")) {
        std::string coding = strip_aws_chunked(*v);
        if (!coding.empty()) attrs.headers.emplace("content-encoding", coding);
    }
    return attrs;
}

Result<store::WriteCondition> write_condition(const http::Headers& headers) {
    store::WriteCondition condition;
    if (auto none_match = headers.get("If-None-Match")) {
        // S3 takes only "*" here (no object at all); an ETag list would be a read condition.
        if (trim(*none_match) != "*") {
            return Status(StatusCode::kUnimplemented, "NotImplemented",
                          "A header you provided implies functionality that is not implemented "
                          "(If-None-Match on a write takes only *)");
        }
        condition.if_none_match = true;
    }
    if (auto match = headers.get("If-Match")) condition.if_match = unquote_etag(*match);
    return condition;
}

std::string quote_etag(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

std::string unquote_etag(std::string_view etag) {
    std::string_view s = etag;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.starts_with("W/")) s.remove_prefix(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    // Some clients send the quotes XML- or URL-escaped.
    if (s.starts_with("&quot;") && s.ends_with("&quot;") && s.size() >= 12) {
        s = s.substr(6, s.size() - 12);
    }
    return std::string(s);
}

void add_object_headers(http::Response& response, const store::ObjectInfo& info) {
    auto& h = response.headers;
    h.set("ETag", quote_etag(info.etag));
    h.set("Last-Modified", http_date(info.last_modified));
    h.set("Content-Type", info.attributes.content_type.empty() ? "binary/octet-stream"
                                                               : info.attributes.content_type);
    h.set("Accept-Ranges", "bytes");
    for (const auto& [name, value] : info.attributes.metadata) {
        h.add(std::string(kMetaPrefix) + name, metadata_to_header(value));
    }
    for (const auto& [name, value] : info.attributes.headers) h.set(name, value);
}

void add_checksum_header(http::Response& response, const sigv4::PayloadSource& payload) {
    if (auto checksum = payload.checksum()) {
        response.headers.set("x-amz-checksum-" + to_lower(checksum->algorithm), checksum->base64);
    }
}

http::Response xml_response(const pugi::xml_document& doc, int status) {
    http::Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/xml");
    response.body = render_xml(doc);
    return response;
}

http::Response empty_response(int status) {
    http::Response response;
    response.status = status;
    return response;
}

std::string owner_id(const S3Call& call) {
    return call.auth ? call.auth->access_key_id : std::string("anonymous");
}

void append_owner(pugi::xml_node parent, const S3Call& call, const char* element) {
    pugi::xml_node owner = parent.append_child(element);
    append_text(owner, "ID", owner_id(call));
    append_text(owner, "DisplayName", owner_id(call));
}

namespace {

Result<int> int_value(std::optional<std::string_view> text, std::string_view name, int def, int min,
                      int max, bool clamp) {
    if (!text) return def;
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || ptr != text->data() + text->size() || value < min ||
        (value > max && !clamp)) {
        return invalid_argument(
            "InvalidArgument",
            "Provided " + std::string(name) + " not an integer or within " + "integer range");
    }
    return static_cast<int>(std::min<long long>(value, max));
}

}  // namespace

Result<int> int_param(const S3Call& call, std::string_view name, int def, int min, int max,
                      bool clamp) {
    auto text = call.query.get(name);
    return int_value(text ? std::optional<std::string_view>(*text) : std::nullopt, name, def, min,
                     max, clamp);
}

Result<int> int_header(const S3Call& call, std::string_view name, int def, int min, int max,
                       bool clamp) {
    return int_value(call.request.headers.get(name), name, def, min, max, clamp);
}

}  // namespace imgpipe::s3
