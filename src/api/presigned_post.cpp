#include "api/presigned_post.h"

#include <openssl/evp.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "sigv4/sigv4.h"

namespace imgpipe::api {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

}  // namespace

std::string iso8601(TimePoint t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string sign_policy(std::string_view base64_policy, const PresignOptions& options,
                        TimePoint now) {
    const std::string date = sigv4::format_amz_date(now).substr(0, 8);
    const std::string key = sigv4::signing_key(options.secret_key, date, options.region, "s3");
    return sigv4::hex(sigv4::hmac_sha256(key, base64_policy));
}

PresignedPost build_presigned_post(const PresignOptions& options, const UploadRequest& request,
                                   const std::string& id, TimePoint now) {
    now = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const std::string amz_date = sigv4::format_amz_date(now);
    const std::string credential = options.access_key + "/" + amz_date.substr(0, 8) + "/" +
                                   options.region + "/s3/aws4_request";
    const uint64_t max_bytes =
        request.size ? std::min(*request.size, options.max_upload_bytes) : options.max_upload_bytes;

    PresignedPost post;
    post.url = options.bucket_url;
    post.id = id;
    post.key = options.key_prefix + id + "/" + request.filename;
    post.expires_at = iso8601(now + options.expiry);
    post.status_url = options.status_url_prefix + id;

    // The fixed-value fields, in the order @aws-sdk/s3-presigned-post appends Fields to the
    // conditions.
    std::vector<std::pair<std::string, std::string>> fixed = {
        {"Content-Type", request.content_type},
        {"success_action_status", "204"},
    };
    if (!request.variants_metadata.empty()) {
        fixed.emplace_back("x-amz-meta-variants", request.variants_metadata);
    }

    ordered_json conditions = ordered_json::array();
    conditions.push_back(ordered_json::array({"content-length-range", 1, max_bytes}));
    for (const auto& [name, value] : fixed) conditions.push_back({{name, value}});
    conditions.push_back({{"bucket", options.bucket}});
    conditions.push_back({{"X-Amz-Algorithm", kAlgorithm}});
    conditions.push_back({{"X-Amz-Credential", credential}});
    conditions.push_back({{"X-Amz-Date", amz_date}});
    conditions.push_back({{"key", post.key}});
    ordered_json policy = ordered_json::object();
    policy["expiration"] = post.expires_at;
    policy["conditions"] = std::move(conditions);
    post.policy_json = policy.dump();

    const std::string encoded = base64_encode(post.policy_json);
    post.fields.emplace_back("key", post.key);
    for (auto& f : fixed) post.fields.push_back(std::move(f));
    post.fields.emplace_back("x-amz-algorithm", std::string(kAlgorithm));
    post.fields.emplace_back("x-amz-credential", credential);
    post.fields.emplace_back("x-amz-date", amz_date);
    post.fields.emplace_back("policy", encoded);
    post.fields.emplace_back("x-amz-signature", sign_policy(encoded, options, now));
    return post;
}

std::string presigned_post_json(const PresignedPost& post) {
    ordered_json fields = ordered_json::object();
    for (const auto& [name, value] : post.fields) fields[name] = value;
    ordered_json body = ordered_json::object();
    body["url"] = post.url;
    body["fields"] = std::move(fields);
    body["id"] = post.id;
    body["key"] = post.key;
    body["expiresAt"] = post.expires_at;
    body["statusUrl"] = post.status_url;
    return body.dump();
}

}  // namespace imgpipe::api
