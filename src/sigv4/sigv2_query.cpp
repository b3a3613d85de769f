#include "sigv4/sigv2_query.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "sigv4/auth_params.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

// The query parameters S3 includes in a SigV2 canonical resource.
constexpr std::string_view kSignedSubresources[] = {
    "acl",
    "cors",
    "delete",
    "lifecycle",
    "location",
    "logging",
    "notification",
    "partNumber",
    "policy",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

std::string canonical_resource(const RequestView& request) {
    std::string resource;
    if (!request.virtual_host_bucket.empty())
        resource = "/" + std::string(request.virtual_host_bucket);
    resource += request.path.empty() ? "/" : std::string(request.path);
    std::map<std::string, std::optional<std::string>> sub;
    std::string_view query = request.query;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        if (std::find(std::begin(kSignedSubresources), std::end(kSignedSubresources), name) ==
            std::end(kSignedSubresources)) {
            continue;
        }
        std::optional<std::string> value;
        if (eq != std::string_view::npos) {
            value = uri_decode(pair.substr(eq + 1)).value_or(std::string(pair.substr(eq + 1)));
        }
        sub.emplace(std::string(name), std::move(value));
    }
    char separator = '?';
    for (const auto& [name, value] : sub) {
        resource += separator;
        resource += name;
        if (value) resource += "=" + *value;
        separator = '&';
    }
    return resource;
}

Status query_error(std::string message) {
    return Status(StatusCode::kInvalidArgument, "AuthorizationQueryParametersError",
                  std::move(message));
}

}  // namespace

std::string sigv2_string_to_sign(const RequestView& request, std::string_view expires) {
    static const HeaderList kNoHeaders;
    const HeaderList& headers = request.headers ? *request.headers : kNoHeaders;
    auto header = [&](std::string_view name) {
        auto v = find_header(headers, name);
        return v ? std::string(trim(*v)) : std::string();
    };
    std::map<std::string, std::string> amz;
    for (const auto& [name, value] : headers) {
        std::string lower = to_lower(name);
        if (!lower.starts_with("x-amz-")) continue;
        auto [it, inserted] = amz.emplace(lower, std::string(trim(value)));
        if (!inserted) it->second += "," + std::string(trim(value));
    }
    std::string sts = std::string(request.method) + "\n" + header("content-md5") + "\n" +
                      header("content-type") + "\n" + std::string(expires) + "\n";
    for (const auto& [name, value] : amz) sts += name + ":" + value + "\n";
    return sts + canonical_resource(request);
}

Result<Authorization> verify_sigv2_query(const RequestView& request,
                                         const CredentialProvider& credentials, TimePoint now) {
    auto access_key = query_param(request.query, "AWSAccessKeyId");
    auto expires = query_param(request.query, "Expires");
    auto signature = query_param(request.query, "Signature");
    if (!access_key || !expires || !signature) {
        return query_error(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters");
    }
    long long expires_at = 0;
    auto [end, ec] =
        std::from_chars(expires->data(), expires->data() + expires->size(), expires_at);
    if (ec != std::errc() || end != expires->data() + expires->size()) {
        return query_error("Expires must be a number of seconds since the epoch");
    }
    auto secret = credentials.secret_for(*access_key);
    if (!secret) {
        return Status(StatusCode::kUnauthenticated, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.");
    }
    long long now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (now_s > expires_at) {
        return Status(StatusCode::kPermissionDenied, "AccessDenied", "Request has expired");
    }
    std::string expected =
        base64_encode(hmac_sha1(*secret, sigv2_string_to_sign(request, *expires)));
    if (expected.size() != signature->size() ||
        CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
        return Status(StatusCode::kUnauthenticated, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.");
    }
    Authorization auth;
    auth.access_key_id = *access_key;
    auth.presigned = true;
    auth.payload_mode = PayloadMode::kUnsigned;
    return auth;
}

}  // namespace imgpipe::sigv4
