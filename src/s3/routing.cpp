#include "s3/routing.h"

#include <algorithm>
#include <array>

#include "s3/acl.h"
#include "sigv4/sigv4.h"
#include "store/names.h"

namespace imgpipe::s3 {
namespace {

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string decode_query_part(std::string_view s) {
    std::string spaced(s);
    std::replace(spaced.begin(), spaced.end(), '+', ' ');
    auto decoded = sigv4::uri_decode(spaced);
    return decoded ? *decoded : spaced;
}

// Host without ":port" (keeps "[::1]" intact), lower-cased.
std::string host_name(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        return to_lower(close == std::string_view::npos ? host : host.substr(0, close + 1));
    }
    auto colon = host.rfind(':');
    return to_lower(colon == std::string_view::npos ? host : host.substr(0, colon));
}

// Subresources S3 has and this store answers with NotImplemented (unless handled elsewhere).
constexpr std::array kUnsupportedSubresources = {
    "accelerate",     "analytics",    "encryption",        "intelligent-tiering",
    "inventory",      "legal-hold",   "lifecycle",         "logging",
    "metrics",        "notification", "object-lock",       "ownershipControls",
    "policy",         "policyStatus", "publicAccessBlock", "replication",
    "requestPayment", "restore",      "retention",         "select",
    "tagging",        "torrent",      "website",           "acl",
    "versioning",     "versionId",    "partNumber",
};

bool has_unsupported(const QueryParams& query) {
    return std::any_of(kUnsupportedSubresources.begin(), kUnsupportedSubresources.end(),
                       [&](const char* name) { return query.has(name); });
}

// Request headers that ask for features this store does not have: refused with NotImplemented
// rather than ignored, so that no client believes its objects are encrypted, locked or tagged.
bool asks_unsupported_feature(const http::Headers& headers) {
    for (const auto& [name, value] : headers.entries()) {
        std::string lower = to_lower(name);
        if (lower.starts_with("x-amz-server-side-encryption") ||
            lower.starts_with("x-amz-copy-source-server-side-encryption") ||
            lower.starts_with("x-amz-object-lock-") || lower == "x-amz-tagging" ||
            lower.starts_with("x-amz-grant-") ||
            (lower == "x-amz-bucket-object-lock-enabled" && to_lower(value) == "true")) {
            return true;
        }
        // Canned ACLs that need identities or groups this store does not have (s3/acl.h);
        // the others are kept by the handlers.
        if (lower == "x-amz-acl" && is_unsupported_canned_acl(value)) return true;
    }
    return false;
}

bool is_form_upload(const http::Headers& headers) {
    std::string type = to_lower(headers.get_or("Content-Type", ""));
    return type.rfind("multipart/form-data", 0) == 0;
}

Operation classify_bucket(std::string_view method, const QueryParams& q,
                          const http::Headers& headers) {
    if (method == "GET") {
        if (q.has("location")) return Operation::kGetBucketLocation;
        if (q.has("versioning")) return Operation::kGetBucketVersioning;
        if (q.has("acl")) return Operation::kGetBucketAcl;
        if (q.has("cors")) return Operation::kGetBucketCors;
        if (q.has("versions")) return Operation::kListObjectVersions;
        if (q.has("uploads")) return Operation::kListMultipartUploads;
        if (has_unsupported(q)) return Operation::kNotImplemented;
        return q.get_or("list-type", "") == "2" ? Operation::kListObjectsV2
                                                : Operation::kListObjectsV1;
    }
    if (method == "POST") {
        if (q.has("delete")) return Operation::kDeleteObjects;
        if (has_unsupported(q)) return Operation::kNotImplemented;
        return is_form_upload(headers) ? Operation::kPostObject : Operation::kPostNotMultipart;
    }
    if (q.has("acl")) {
        if (method == "PUT") {
            return asks_unsupported_feature(headers) ? Operation::kNotImplemented
                                                     : Operation::kPutBucketAcl;
        }
        return Operation::kMethodNotAllowed;
    }
    if (q.has("cors")) {
        if (method == "PUT") return Operation::kPutBucketCors;
        if (method == "DELETE") return Operation::kDeleteBucketCors;
        return Operation::kMethodNotAllowed;
    }
    if (has_unsupported(q)) return Operation::kNotImplemented;
    if (method == "PUT") {
        return asks_unsupported_feature(headers) ? Operation::kNotImplemented
                                                 : Operation::kCreateBucket;
    }
    if (method == "HEAD") return Operation::kHeadBucket;
    if (method == "DELETE") return Operation::kDeleteBucket;
    return Operation::kMethodNotAllowed;
}

Operation classify_object(std::string_view method, const QueryParams& q,
                          const http::Headers& headers) {
    if ((method == "PUT" || method == "POST") && asks_unsupported_feature(headers)) {
        return Operation::kNotImplemented;
    }
    if (method == "PUT") {
        if (q.has("uploadId") && q.has("partNumber")) {
            return headers.has("x-amz-copy-source") ? Operation::kUploadPartCopy
                                                    : Operation::kUploadPart;
        }
        if (q.has("acl")) return Operation::kPutObjectAcl;
        if (has_unsupported(q)) return Operation::kNotImplemented;
        return headers.has("x-amz-copy-source") ? Operation::kCopyObject : Operation::kPutObject;
    }
    if (method == "POST") {
        if (q.has("uploads")) return Operation::kCreateMultipartUpload;
        if (q.has("uploadId")) return Operation::kCompleteMultipartUpload;
        if (has_unsupported(q)) return Operation::kNotImplemented;
        return Operation::kMethodNotAllowed;
    }
    if (method == "GET" || method == "HEAD") {
        if (method == "GET" && q.has("uploadId")) return Operation::kListParts;
        if (method == "GET" && q.has("acl")) return Operation::kGetObjectAcl;
        if (method == "GET" && q.has("attributes")) return Operation::kGetObjectAttributes;
        // Objects never have tags; awscli asks before every multipart copy.
        if (method == "GET" && q.has("tagging")) return Operation::kGetObjectTagging;
        // GET ?versionId=null addresses the current (only) version; ?partNumber= one part.
        if (q.get_or("versionId", "null") != "null") return Operation::kNotImplemented;
        bool other = std::any_of(kUnsupportedSubresources.begin(), kUnsupportedSubresources.end(),
                                 [&](const char* name) {
                                     std::string_view n(name);
                                     return n != "versionId" && n != "partNumber" && q.has(name);
                                 });
        if (other) return Operation::kNotImplemented;
        return method == "GET" ? Operation::kGetObject : Operation::kHeadObject;
    }
    if (method == "DELETE") {
        if (q.has("uploadId")) return Operation::kAbortMultipartUpload;
        if (q.get_or("versionId", "null") != "null") return Operation::kNotImplemented;
        if (std::any_of(kUnsupportedSubresources.begin(), kUnsupportedSubresources.end(),
                        [&](const char* name) {
                            return std::string_view(name) != "versionId" && q.has(name);
                        })) {
            return Operation::kNotImplemented;
        }
        return Operation::kDeleteObject;
    }
    return Operation::kMethodNotAllowed;
}

}  // namespace

QueryParams QueryParams::parse(std::string_view raw) {
    QueryParams out;
    while (!raw.empty()) {
        auto amp = raw.find('&');
        std::string_view part = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
        if (part.empty()) continue;
        auto eq = part.find('=');
        std::string name = decode_query_part(part.substr(0, eq));
        std::string value =
            eq == std::string_view::npos ? std::string() : decode_query_part(part.substr(eq + 1));
        out.entries_.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

bool QueryParams::has(std::string_view name) const { return get(name).has_value(); }

std::optional<std::string> QueryParams::get(std::string_view name) const {
    for (const auto& [n, v] : entries_) {
        if (n == name) return v;
    }
    return std::nullopt;
}

std::string QueryParams::get_or(std::string_view name, std::string_view def) const {
    auto v = get(name);
    return v ? *v : std::string(def);
}

Result<S3Target> resolve_target(std::string_view host, std::string_view path,
                                const S3Options& options) {
    auto decoded = sigv4::uri_decode(path);
    if (!decoded) return invalid_argument("InvalidArgument", "malformed percent-escape in path");
    std::string_view rest = *decoded;
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);

    S3Target target;
    const std::string name = host_name(host);
    for (const std::string& domain : options.virtual_host_domains) {
        const std::string suffix = "." + to_lower(domain);
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            target.bucket = name.substr(0, name.size() - suffix.size());
            target.virtual_hosted = true;
            break;
        }
    }
    if (!target.virtual_hosted) {
        auto slash = rest.find('/');
        target.bucket = std::string(rest.substr(0, slash));
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    target.key = std::string(rest);

    if (!target.bucket.empty()) {
        IMGPIPE_RETURN_IF_ERROR(store::validate_bucket_name(target.bucket));
    } else if (!target.key.empty()) {
        return invalid_argument("InvalidBucketName", "empty bucket name with a key");
    }
    if (!target.key.empty()) IMGPIPE_RETURN_IF_ERROR(store::validate_key(target.key));
    return target;
}

Operation classify(std::string_view method, const S3Target& target, const QueryParams& query,
                   const http::Headers& headers) {
    if (method == "OPTIONS") return Operation::kCorsPreflight;
    if (target.bucket.empty()) {
        return method == "GET" ? Operation::kListBuckets : Operation::kMethodNotAllowed;
    }
    if (target.key.empty()) return classify_bucket(method, query, headers);
    return classify_object(method, query, headers);
}

Action action_for(Operation op) {
    switch (op) {
        case Operation::kCreateBucket:
        case Operation::kDeleteBucket:
        case Operation::kPutBucketCors:
        case Operation::kDeleteBucketCors:
        case Operation::kPutBucketAcl:
            return Action::kAdmin;
        case Operation::kDeleteObjects:
        case Operation::kPostObject:
        case Operation::kPostNotMultipart:
        case Operation::kPutObject:
        case Operation::kCopyObject:
        case Operation::kPutObjectAcl:
        case Operation::kDeleteObject:
        case Operation::kCreateMultipartUpload:
        case Operation::kUploadPart:
        case Operation::kUploadPartCopy:
        case Operation::kCompleteMultipartUpload:
        case Operation::kAbortMultipartUpload:
            return Action::kWrite;
        default:
            return Action::kRead;
    }
}

std::string_view operation_name(Operation op) {
    switch (op) {
        case Operation::kListBuckets:
            return "ListBuckets";
        case Operation::kCreateBucket:
            return "CreateBucket";
        case Operation::kHeadBucket:
            return "HeadBucket";
        case Operation::kDeleteBucket:
            return "DeleteBucket";
        case Operation::kGetBucketLocation:
            return "GetBucketLocation";
        case Operation::kGetBucketVersioning:
            return "GetBucketVersioning";
        case Operation::kGetBucketAcl:
            return "GetBucketAcl";
        case Operation::kPutBucketAcl:
            return "PutBucketAcl";
        case Operation::kGetBucketCors:
            return "GetBucketCors";
        case Operation::kPutBucketCors:
            return "PutBucketCors";
        case Operation::kDeleteBucketCors:
            return "DeleteBucketCors";
        case Operation::kListObjectsV1:
            return "ListObjects";
        case Operation::kListObjectsV2:
            return "ListObjectsV2";
        case Operation::kListObjectVersions:
            return "ListObjectVersions";
        case Operation::kListMultipartUploads:
            return "ListMultipartUploads";
        case Operation::kDeleteObjects:
            return "DeleteObjects";
        case Operation::kPostObject:
        case Operation::kPostNotMultipart:
            return "PostObject";
        case Operation::kPutObject:
            return "PutObject";
        case Operation::kCopyObject:
            return "CopyObject";
        case Operation::kGetObject:
            return "GetObject";
        case Operation::kHeadObject:
            return "HeadObject";
        case Operation::kDeleteObject:
            return "DeleteObject";
        case Operation::kGetObjectAcl:
            return "GetObjectAcl";
        case Operation::kGetObjectAttributes:
            return "GetObjectAttributes";
        case Operation::kPutObjectAcl:
            return "PutObjectAcl";
        case Operation::kGetObjectTagging:
            return "GetObjectTagging";
        case Operation::kCreateMultipartUpload:
            return "CreateMultipartUpload";
        case Operation::kUploadPart:
            return "UploadPart";
        case Operation::kUploadPartCopy:
            return "UploadPartCopy";
        case Operation::kCompleteMultipartUpload:
            return "CompleteMultipartUpload";
        case Operation::kAbortMultipartUpload:
            return "AbortMultipartUpload";
        case Operation::kListParts:
            return "ListParts";
        case Operation::kCorsPreflight:
            return "CorsPreflight";
        case Operation::kNotImplemented:
            return "NotImplemented";
        case Operation::kMethodNotAllowed:
            return "MethodNotAllowed";
    }
    return "Unknown";
}

}  // namespace imgpipe::s3
