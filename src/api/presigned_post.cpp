#include "api/presigned_post.h"

#include <algorithm>
#include <cctype>

#include "core/json_text.h"
#include "core/time_text.h"
#include "sigv4/post_policy.h"

namespace imgpipe::api {
namespace {

// "X-Amz-Signature" → "x-amz-signature", "Policy" → "policy": boto3's spelling, which the
// seed's clients were written against.
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

PresignedPost build_presigned_post(const PresignOptions& options, const UploadRequest& request,
                                   const std::string& id, TimePoint now,
                                   const sigv4::SigningKeyCache* keys) {
    now = std::chrono::floor<std::chrono::seconds>(now);
    const uint64_t max_bytes =
        request.size ? std::min(*request.size, options.max_upload_bytes) : options.max_upload_bytes;

    PresignedPost post;
    post.url = options.bucket_url;
    post.id = id;
    post.key = options.key_prefix + id + "/" + request.filename;
    post.status_url = options.status_url_prefix + id;

    sigv4::PostPolicyRequest policy;
    policy.bucket = options.bucket;
    policy.key = post.key;
    policy.expires = options.expiry;
    policy.conditions.push_back(sigv4::PolicyCondition::content_length_range(1, max_bytes));
    policy.fields.emplace_back("Content-Type", request.content_type);
    policy.fields.emplace_back("success_action_status", "204");
    if (!request.variants_metadata.empty()) {
        policy.fields.emplace_back("x-amz-meta-variants", request.variants_metadata);
    }
    sigv4::SigningCredentials creds;
    creds.access_key_id = options.access_key;
    creds.secret_key = options.secret_key;
    creds.region = options.region;
    sigv4::PresignedPostForm form = sigv4::create_post_policy(creds, policy, now, keys);

    post.expires_at = iso8601(form.expiration);
    post.policy_json = std::move(form.policy_json);
    // The key first, as the seed's (boto3) answer had it; `bucket` is left out: the policy's
    // bucket condition is checked against the URL's bucket.
    post.fields.emplace_back("key", post.key);
    for (auto& [name, value] : form.fields) {
        if (name == "key" || name == "bucket") continue;
        const bool keep_case = name == "Content-Type" || name.starts_with("x-amz-meta-") ||
                               name == "success_action_status";
        post.fields.emplace_back(keep_case ? name : lower(name), std::move(value));
    }
    return post;
}

std::string presigned_post_json(const PresignedPost& post) {
    // Written directly (see core/json_text.h): every value is valid UTF-8 (validated request,
    // configuration, base64, hex). Field names are distinct, as an object's must be.
    std::string out;
    out.reserve(2048);
    auto member = [&](std::string_view name, std::string_view value) {
        json_text::append_string(out, name);
        out.push_back(':');
        json_text::append_string(out, value);
    };
    out += R"({"url":)";
    json_text::append_string(out, post.url);
    out += R"(,"fields":{)";
    for (size_t i = 0; i < post.fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        member(post.fields[i].first, post.fields[i].second);
    }
    out += "},";
    member("id", post.id);
    out.push_back(',');
    member("key", post.key);
    out.push_back(',');
    member("expiresAt", post.expires_at);
    out.push_back(',');
    member("statusUrl", post.status_url);
    out.push_back('}');
    return out;
}

}  // namespace imgpipe::api
