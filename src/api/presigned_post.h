#pragma once
// PresignedPost: the answer to an upload request — where to POST (`url`) and the form fields
// (`fields`) that carry a SigV4-signed POST policy pinning exactly this upload.
//
// The policy pins the bucket, the exact key `uploads/<id>/<name>`, the Content-Type,
// content-length-range [1, size or max], success_action_status "204", the variant metadata and an
// expiration (now + expiry). It is made by sigv4::create_post_policy, which lays it out exactly
// as @aws-sdk/s3-presigned-post's `createPresignedPost({Bucket, Key, Conditions: [range],
// Fields: {Content-Type, success_action_status, x-amz-meta-variants}})` does: the same JSON
// bytes, so the same signature for the same clock and credentials
// (tests/integration/test_upload_api.py checks this). It is the policy format AWS S3 itself
// accepts, so the same answer works against real S3. Field names are case-insensitive for S3;
// the returned fields use boto3's lower-case names (`policy`, `x-amz-signature`, ...).
// Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/upload_request.h"
#include "sigv4/signing_key_cache.h"

namespace imgpipe::api {

using TimePoint = std::chrono::system_clock::time_point;

struct PresignOptions {
    std::string bucket = "uploads";
    // The bucket URL clients POST to, e.g. "http://127.0.0.1:9000/uploads".
    std::string bucket_url;
    std::string region = "us-east-1";
    std::string access_key;
    std::string secret_key;
    std::chrono::seconds expiry{15 * 60};
    uint64_t max_upload_bytes = 25ull << 20;
    // Prefix of the status URL; the id is appended.
    std::string status_url_prefix = "/images/";
    // Prefix of every key; the id and the sanitised filename follow.
    std::string key_prefix = "uploads/";
};

struct PresignedPost {
    std::string url;
    std::vector<std::pair<std::string, std::string>> fields;  // in the order to send them
    std::string id;
    std::string key;
    std::string expires_at;  // ISO 8601, "2026-01-01T12:15:00Z"
    std::string status_url;
    std::string policy_json;  // the decoded policy (for logs and tests)
};

// Builds the signed POST for `request` under upload id `id` at time `now` (truncated to whole
// seconds), taking the signing key from `keys` when given. REQUIRES: `request` came from
// parse_upload_request; `id` is URL-safe.
PresignedPost build_presigned_post(const PresignOptions& options, const UploadRequest& request,
                                   const std::string& id, TimePoint now,
                                   const sigv4::SigningKeyCache* keys = nullptr);

// The API's JSON response body: {"url","fields":{...},"id","key","expiresAt","statusUrl"}.
std::string presigned_post_json(const PresignedPost& post);

}  // namespace imgpipe::api
