#pragma once
// POST policies: the signed JSON document that authorises a browser-based upload (S3 POST
// Object). Server side: parse the base64 policy, verify the form's signature over it (SigV4
// `x-amz-*` fields or legacy SigV2 `AWSAccessKeyId`/`signature`), then check expiration, every
// condition and that every form field is covered by one. Client side (the upload API):
// `create_post_policy` builds and signs a policy in exactly the shape @aws-sdk/s3-presigned-post
// produces, so the same response works against AWS S3. See s3-compat.md §2.2-2.4.
//
// Pure functions, thread-safe. Error reasons (S3 error names): InvalidPolicyDocument,
// AccessDenied, InvalidArgument, InvalidAccessKeyId, SignatureDoesNotMatch. For those reasons the
// Status message is AWS's public wording ("Invalid according to Policy: Policy expired.", ...)
// and may be sent to the client as the error message.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

// Form fields as received, in order: name (any case) and value.
using PostFields = std::vector<std::pair<std::string, std::string>>;

struct PolicyCondition {
    enum class Kind {
        kExact,               // {"field": "value"}
        kEq,                  // ["eq", "$field", "value"]
        kStartsWith,          // ["starts-with", "$field", "prefix"]; "" accepts any value
        kContentLengthRange,  // ["content-length-range", min, max], inclusive
    };
    Kind kind = Kind::kExact;
    std::string field;  // as written, without '$' ("key", "Content-Type"); empty for a range
    std::string value;  // exact / eq value or starts-with prefix
    uint64_t min = 0;
    uint64_t max = 0;
    // False when a content-length-range has unusable bounds (negative, not a number, min > max):
    // AWS accepts such a policy but fails the condition.
    bool valid = true;

    static PolicyCondition exact(std::string field, std::string value);
    static PolicyCondition eq(std::string field, std::string value);
    static PolicyCondition starts_with(std::string field, std::string prefix);
    static PolicyCondition content_length_range(uint64_t min, uint64_t max);
};

// The condition as AWS echoes it in "Policy Condition failed: ...": simple conditions as "eq",
// e.g. `["eq", "$key", "a.jpg"]`, `["content-length-range", 1, 10]`.
std::string describe(const PolicyCondition& condition);

struct PostPolicy {
    TimePoint expiration;
    std::vector<PolicyCondition> conditions;

    // The intersection of the content-length-range conditions, or nullopt when there is none.
    // An invalid range yields nullopt too (check_post_policy rejects it).
    std::optional<std::pair<uint64_t, uint64_t>> content_length_range() const;
};

// Decodes and parses the `policy` field. InvalidPolicyDocument (message "Invalid Policy: ...")
// for bad base64, bad JSON, a missing/invalid `expiration` or `conditions`, a malformed
// condition or a negative content-length-range bound.
Result<PostPolicy> parse_post_policy(std::string_view policy_base64);

// Checks, in AWS's order: expiration against `now` (AccessDenied "Invalid according to Policy:
// Policy expired."), each condition against `fields` (AccessDenied "... Policy Condition
// failed: [...]"; `$bucket` is matched against `bucket`, the bucket of the request URL; a field
// named in an eq/starts-with condition must be present; a starts-with on Content-Type holding a
// comma list must match every item), then coverage: every field except policy,
// x-amz-signature, signature, AWSAccessKeyId, file and x-ignore-* must be named by a condition
// (AccessDenied "... Extra input fields: <name>"), and so must the bucket, a form field or not.
// Field and condition names compare case-insensitively, values case-sensitively. `fields` must
// already have ${filename} substituted. The content-length-range itself is enforced by the caller
// on the file size.
Status check_post_policy(const PostPolicy& policy, const PostFields& fields,
                         std::string_view bucket, TimePoint now);

// ---- signatures ---------------------------------------------------------------------------------

enum class PostAuthVersion {
    kNone,  // no policy or signature fields: an anonymous upload
    kV2,    // AWSAccessKeyId + signature
    kV4,    // x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature
};

// Which scheme the form uses: V4 if any x-amz-{algorithm,credential,date,signature} field is
// present, else V2 if AWSAccessKeyId or signature is, else V4 if there is a policy, else kNone.
PostAuthVersion post_auth_version(const PostFields& fields);

// The first field `version` requires that `fields` lacks, spelled as AWS names it in errors
// ("X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "Policy",
// "Signature", "AWSAccessKeyId"); nullopt when complete.
std::optional<std::string> missing_post_auth_field(const PostFields& fields,
                                                   PostAuthVersion version);

// Verifies the signature over the policy field as received and returns the access key id.
// V4: hex(HMAC-SHA256(signing key of the x-amz-credential scope, policy)); V2:
// base64(HMAC-SHA1(secret, policy)). InvalidArgument for a missing field, an algorithm other
// than AWS4-HMAC-SHA256, a malformed credential or x-amz-date; InvalidAccessKeyId;
// SignatureDoesNotMatch. REQUIRES: version != kNone.
Result<std::string> verify_post_signature(const PostFields& fields, PostAuthVersion version,
                                          const CredentialProvider& credentials);

// The value of the first field named `name` (any case).
std::optional<std::string_view> find_post_field(const PostFields& fields, std::string_view name);

// ---- creating policies (clients: the upload API) -----------------------------------------------

struct PostPolicyRequest {
    std::string bucket;
    // The object key; a key ending in "${filename}" becomes a starts-with condition on the rest.
    std::string key;
    // Extra conditions, first in the policy (e.g. content-length-range, Content-Type).
    std::vector<PolicyCondition> conditions;
    // Extra form fields (e.g. Content-Type, x-amz-meta-*); each also becomes an exact condition.
    PostFields fields;
    std::chrono::seconds expires{3600};
    std::string session_token;  // adds X-Amz-Security-Token when not empty
};

struct PresignedPostForm {
    // The form fields to send before the file, in order: request.fields, bucket,
    // X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, [X-Amz-Security-Token], key, Policy,
    // X-Amz-Signature (the @aws-sdk/s3-presigned-post layout).
    PostFields fields;
    std::string policy_json;  // the policy document (Policy is its base64)
    TimePoint expiration;
};

// Builds and signs (SigV4, scope <date>/<creds.region>/<creds.service>/aws4_request) a policy
// expiring `request.expires` after `now`, byte-for-byte as @aws-sdk/s3-presigned-post's
// createPresignedPost would for the same inputs. `keys`, when given, saves deriving the signing
// key on every call.
PresignedPostForm create_post_policy(const SigningCredentials& creds,
                                     const PostPolicyRequest& request, TimePoint now,
                                     const SigningKeyCache* keys = nullptr);

// Base64 (standard alphabet, padded) and its strict inverse (ASCII white space ignored);
// nullopt when the text is not base64.

}  // namespace imgpipe::sigv4
