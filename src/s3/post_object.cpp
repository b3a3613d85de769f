// POST Object: the form is read up to the file part (fields in memory, bounded), the signed
// policy is verified and checked against the fields, then the file part streams straight into
// the store with the policy's content-length-range as the store's size limits, so a too-large
// upload stops being read as soon as it crosses the limit and nothing is stored.
//
// Check order (s3-compat.md §2.4): enclosure type, bucket, form syntax and size, `key`,
// signature fields, signature, policy document, expiration and conditions, the file part, size.

#include "s3/post_object.h"

#include <pugixml.hpp>

#include "http/multipart_parser.h"
#include "s3/access_keyring.h"
#include "s3/acl.h"
#include "s3/checksums.h"
#include "s3/errors.h"
#include "s3/s3_call.h"
#include "s3/xml.h"
#include "sigv4/post_policy.h"

namespace imgpipe::s3 {
namespace {

// Like PUT, a single POST upload is at most 5 GiB.
constexpr uint64_t kMaxObjectSize = uint64_t{5} << 30;
// What is read after the file (ignored fields, epilogue) so the connection can be reused.
constexpr uint64_t kMaxTrailingBytes = 64 * 1024;
// Past the form-field budget, the most MultipartForm reads before it knows the fields are over
// budget or the file part has begun: one part's header section (16 KiB at most) and a delimiter.
constexpr size_t kPrefetchSlack = 20 * 1024;

constexpr std::string_view kFilenameVariable = "${filename}";

std::string missing_field_message(std::string_view name) {
    return "Bucket POST must contain a field named '" + std::string(name) +
           "'.  If it is specified, please check the order of the fields.";
}

// Counts the file bytes the store pulls, to report ProposedSize.
class CountingSource final : public ByteSource {
  public:
    explicit CountingSource(ByteSource& inner) : inner_(inner) {}
    Result<size_t> read(std::span<char> buf) override {
        auto n = inner_.read(buf);
        if (n.is_ok()) count_ += *n;
        return n;
    }
    uint64_t count() const { return count_; }

  private:
    ByteSource& inner_;
    uint64_t count_ = 0;
};

class PostUpload {
  public:
    PostUpload(const S3Context& context, http::Request& request, const std::string& bucket)
        : context_(context), request_(request), bucket_(bucket), resource_("/" + bucket) {}

    http::Response run();

  private:
    http::Response fail(const Status& status, const ErrorExtras& extras = {}) const {
        return error_response(status, resource_, request_.request_id, extras);
    }
    // For statuses whose message is AWS's public wording (sigv4/post_policy.h).
    http::Response fail_public(const Status& status, ErrorExtras extras = {}) const {
        extras.message = status.message();
        return fail(status, extras);
    }
    http::Response fail_argument(std::string_view name, const std::string& message,
                                 std::string value = "") const {
        return fail(invalid_argument("InvalidArgument", message),
                    {.message = message,
                     .elements = {{"ArgumentName", std::string(name)},
                                  {"ArgumentValue", std::move(value)}}});
    }

    // Nullopt when the form may be stored; else the error response.
    std::optional<http::Response> authorize();
    void substitute_filename();
    store::ObjectAttributes attributes() const;
    http::Response store_file(store::CannedAcl acl);
    http::Response success(const store::ObjectInfo& info) const;
    std::string object_url(std::string_view key) const;
    std::optional<std::string_view> field(std::string_view name) const {
        return sigv4::find_post_field(fields_, name);
    }

    const S3Context& context_;
    http::Request& request_;
    const std::string& bucket_;
    std::string resource_;
    std::string boundary_;
    std::unique_ptr<http::MultipartForm> form_;
    sigv4::PostFields fields_;  // with ${filename} substituted
    std::optional<sigv4::PostPolicy> policy_;
    bool anonymous_ = false;  // no policy signature: a public-write bucket's upload
};

http::Response PostUpload::run() {
    auto boundary = http::multipart_boundary(request_.headers.get_or("Content-Type", ""));
    if (!boundary) {
        if (boundary.status().reason() == "RequestIsNotMultiPartContent") {
            return fail(Status(StatusCode::kFailedPrecondition, "PreconditionFailed",
                               boundary.status().message()),
                        {.elements = {{"Condition",
                                       "Bucket POST must be of the enclosure-type "
                                       "multipart/form-data"}}});
        }
        return fail(boundary.status());
    }
    boundary_ = std::move(*boundary);
    // Before reading past the prefetched fields (post_object_prefetch already invited those).
    if (auto bucket = context_.store->head_bucket(bucket_); !bucket) return fail(bucket.status());

    auto form =
        http::MultipartForm::open(*request_.body, boundary_, context_.options.max_post_form_bytes);
    if (!form) return fail(form.status());
    form_ = std::move(*form);
    for (const http::FormField& f : form_->fields()) fields_.emplace_back(f.name, f.value);
    substitute_filename();

    // Fields after the file are ignored, so a `key` sent after it is missing.
    auto key = field("key");
    if (!key || key->empty()) return fail_argument("key", missing_field_message("key"));
    if (auto denied = authorize()) return std::move(*denied);
    if (!form_->has_file()) {
        return fail_argument("file", "POST requires exactly one file upload per request.", "0");
    }
    // The `acl` field, covered by the policy like any other: decided before any file byte is
    // read, so a refused ACL stores nothing.
    auto acl = new_object_acl(context_, anonymous_, bucket_, field("acl"));
    if (!acl) {
        // A copy: Result::status() returns by value, so a reference into it would dangle.
        const Status status = acl.status();
        const std::string& reason = status.reason();
        const bool own =
            reason == "InvalidArgument" || reason == "NotImplemented" || reason == "AccessDenied";
        return fail(status, {.message = own ? status.message() : ""});
    }
    return store_file(*acl);
}

// AWS: "${filename}" in any field is replaced by the client's file name (its last path
// segment); a file part without a filename leaves it as is.
void PostUpload::substitute_filename() {
    if (!form_->has_file() || !form_->file_headers().filename) return;
    std::string name = *form_->file_headers().filename;
    if (size_t slash = name.find_last_of("/\\"); slash != std::string::npos) {
        name.erase(0, slash + 1);
    }
    for (auto& [field_name, value] : fields_) {
        if (http::iequals(field_name, "policy")) continue;
        for (size_t at = value.find(kFilenameVariable); at != std::string::npos;
             at = value.find(kFilenameVariable, at + name.size())) {
            value.replace(at, kFilenameVariable.size(), name);
        }
    }
}

std::optional<http::Response> PostUpload::authorize() {
    const sigv4::PostAuthVersion version = sigv4::post_auth_version(fields_);
    if (version == sigv4::PostAuthVersion::kNone) {
        anonymous_ = true;
        auto access = bucket_access(context_, bucket_);
        if (!access) return fail(access.status());
        if (access->write) return std::nullopt;
        return fail(Status(StatusCode::kPermissionDenied, "AccessDenied",
                           "anonymous POST to a bucket that is not public-write"));
    }
    if (auto missing = sigv4::missing_post_auth_field(fields_, version)) {
        return fail_argument(*missing, missing_field_message(*missing));
    }
    const sigv4::CredentialProvider* credentials =
        context_.keyring != nullptr ? context_.keyring : context_.credentials;
    if (credentials == nullptr) return fail(internal_error("no credential provider"));
    auto akid = sigv4::verify_post_signature(fields_, version, *credentials);
    if (!akid) {
        const Status& s = akid.status();
        const bool v4 = version == sigv4::PostAuthVersion::kV4;
        const std::string claimed(
            v4 ? field("x-amz-credential")->substr(0, field("x-amz-credential")->find('/'))
               : *field("awsaccesskeyid"));
        if (s.reason() == "SignatureDoesNotMatch") {
            const std::string policy(*field("policy"));
            std::string bytes;
            for (unsigned char c : policy) {
                static constexpr char kHex[] = "0123456789abcdef";
                if (!bytes.empty()) bytes += ' ';
                bytes += kHex[c >> 4];
                bytes += kHex[c & 15];
            }
            return fail(s,
                        {.elements = {{"AWSAccessKeyId", claimed},
                                      {"StringToSign", policy},
                                      {"SignatureProvided",
                                       std::string(*field(v4 ? "x-amz-signature" : "signature"))},
                                      {"StringToSignBytes", bytes}}});
        }
        if (s.reason() == "InvalidAccessKeyId") {
            return fail(s, {.elements = {{"AWSAccessKeyId", claimed}}});
        }
        return fail_public(s);
    }
    if (context_.keyring != nullptr && !context_.keyring->allows(*akid, bucket_, Action::kWrite)) {
        return fail(Status(StatusCode::kPermissionDenied, "AccessDenied",
                           *akid + " may not write to " + bucket_));
    }
    auto policy = sigv4::parse_post_policy(*field("policy"));
    if (!policy) return fail_public(policy.status());
    Status check = sigv4::check_post_policy(*policy, fields_, bucket_, context_.clock->now());
    if (!check.is_ok()) return fail_public(check);
    policy_ = std::move(*policy);
    return std::nullopt;
}

store::ObjectAttributes PostUpload::attributes() const {
    store::ObjectAttributes attrs;
    constexpr std::string_view kMetaPrefix = "x-amz-meta-";
    for (const auto& [name, value] : fields_) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "content-type") {
            if (attrs.content_type.empty()) attrs.content_type = value;
        } else if (lower.starts_with(kMetaPrefix) && lower.size() > kMetaPrefix.size()) {
            attrs.metadata.emplace(lower.substr(kMetaPrefix.size()), value);
        } else if (lower == "cache-control" || lower == "content-disposition" ||
                   lower == "content-encoding" || lower == "content-language" ||
                   lower == "expires") {
            attrs.headers.emplace(lower, value);
        }
    }
    return attrs;
}

http::Response PostUpload::store_file(store::CannedAcl acl) {
    store::PutRequest put;
    put.bucket = bucket_;
    put.key = std::string(*field("key"));
    put.attributes = attributes();
    put.attributes.acl = acl;
    put.created_by = store::CreatedBy::kPost;
    put.max_size = kMaxObjectSize;
    if (policy_) {
        if (auto range = policy_->content_length_range()) {
            put.min_size = range->first;
            put.max_size = std::min(range->second, kMaxObjectSize);
        }
    }
    CountingSource file(form_->file());
    // x-amz-checksum-* fields are checked against the file, as the headers of a PUT are.
    sigv4::HeaderList checksum_fields;
    for (const auto& [name, value] : fields_) {
        if (sigv4::checksum_from_header(name)) checksum_fields.emplace_back(name, value);
    }
    auto verified =
        sigv4::open_payload(sigv4::Authorization{}, checksum_fields, std::nullopt, file);
    if (!verified) return fail(verified.status(), checksum_failure_extras(verified.status()));
    put.checksum = checksum_at_end(**verified);
    auto stored = context_.store->put_object(put, **verified);
    if (!stored) {
        const Status& s = stored.status();
        if (s.reason() == "EntityTooLarge") {
            // The store stopped reading at the limit; with a Content-Length the file's size is
            // known up to the closing delimiter ("\r\n--" boundary "--\r\n").
            uint64_t proposed = file.count();
            if (request_.content_length) {
                const uint64_t overhead = form_->bytes_before_file() + 8 + boundary_.size();
                if (*request_.content_length > overhead) {
                    proposed = std::max(proposed, *request_.content_length - overhead);
                }
            }
            return fail(s, {.elements = {{"ProposedSize", std::to_string(proposed)},
                                         {"MaxSizeAllowed", std::to_string(put.max_size)}}});
        }
        if (s.reason() == "EntityTooSmall") {
            return fail(s, {.elements = {{"ProposedSize", std::to_string(file.count())},
                                         {"MinSizeAllowed", std::to_string(put.min_size)}}});
        }
        return fail(s);
    }
    (void)form_->discard_rest(kMaxTrailingBytes);
    return success(*stored);
}

std::string PostUpload::object_url(std::string_view key) const {
    const std::string host = request_.headers.get_or("Host", "localhost");
    const std::string scheme = request_.headers.get_or("X-Forwarded-Proto", "http");
    const std::string path = sigv4::uri_encode(key, true);
    if (host.starts_with(bucket_ + ".")) return scheme + "://" + host + "/" + path;
    return scheme + "://" + host + "/" + bucket_ + "/" + path;
}

http::Response PostUpload::success(const store::ObjectInfo& info) const {
    const std::string etag = quote_etag(info.etag);
    const std::string location = object_url(info.key);

    auto redirect = field("success_action_redirect");
    if (!redirect) redirect = field("redirect");
    if (redirect && (redirect->starts_with("http://") || redirect->starts_with("https://")) &&
        redirect->find("://") + 3 < redirect->size()) {
        std::string url(*redirect);
        url += url.find('?') == std::string::npos ? '?' : '&';
        url += "bucket=" + sigv4::uri_encode(bucket_, false) +
               "&key=" + sigv4::uri_encode(info.key, false) +
               "&etag=" + sigv4::uri_encode(etag, false);
        http::Response response = empty_response(303);
        response.headers.set("Location", url);
        response.headers.set("ETag", etag);
        return response;
    }

    const std::string status(field("success_action_status").value_or(""));
    http::Response response;
    if (status == "201") {
        pugi::xml_document doc;
        // No namespace: clients (s3-tests) look the elements up by bare name.
        pugi::xml_node root = doc.append_child("PostResponse");
        append_text(root, "Location", location);
        append_text(root, "Bucket", info.bucket);
        append_text(root, "Key", info.key);
        append_text(root, "ETag", etag);
        response = xml_response(doc, 201);
    } else {
        response = empty_response(status == "200" ? 200 : 204);
    }
    response.headers.set("ETag", etag);
    response.headers.set("Location", location);
    if (info.checksum) add_checksum_headers(response, *info.checksum);
    return response;
}

}  // namespace

http::Response post_object(const S3Context& context, http::Request& request,
                           const std::string& bucket) {
    return PostUpload(context, request, bucket).run();
}

size_t post_object_prefetch(const S3Options& options, const http::Request& request) {
    if (request.method != "POST" || !request.query.empty()) return 0;
    return options.max_post_form_bytes + kPrefetchSlack;
}

}  // namespace imgpipe::s3
