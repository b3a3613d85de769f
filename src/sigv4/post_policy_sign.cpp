// POST policy signatures: verifying a form's SigV4 or SigV2 signature over the policy, and
// creating signed policies exactly as @aws-sdk/s3-presigned-post does. All OpenSSL calls of the
// POST path live here.

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "core/time_text.h"
#include "sigv4/auth_params.h"
#include "sigv4/post_policy.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Status invalid_field(std::string message) {
    return invalid_argument("InvalidArgument", std::move(message));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A condition value: AWS wants strings; numbers are accepted as their decimal text.

ordered_json condition_json(const PolicyCondition& c) {
    switch (c.kind) {
        case PolicyCondition::Kind::kExact: {
            ordered_json o = ordered_json::object();
            o[c.field] = c.value;
            return o;
        }
        case PolicyCondition::Kind::kEq:
            return ordered_json::array({"eq", "$" + c.field, c.value});
        case PolicyCondition::Kind::kStartsWith:
            return ordered_json::array({"starts-with", "$" + c.field, c.value});
        case PolicyCondition::Kind::kContentLengthRange:
            return ordered_json::array({"content-length-range", c.min, c.max});
    }
    return {};
}

// JSON text of a string exactly as JSON.stringify writes it (invalid UTF-8 replaced, as a JS
// string cannot hold it).
std::string dump(const ordered_json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Sets `name` in an ordered field list: replaces the value in place (as a JS object spread does)
// or appends.
void set_field(PostFields& fields, const std::string& name, std::string value) {
    for (auto& [n, v] : fields) {
        if (n == name) {
            v = std::move(value);
            return;
        }
    }
    fields.emplace_back(name, std::move(value));
}

}  // namespace

// ---- signatures ---------------------------------------------------------------------------------

PostAuthVersion post_auth_version(const PostFields& fields) {
    auto has = [&](std::string_view name) { return find_post_field(fields, name).has_value(); };
    if (has("x-amz-algorithm") || has("x-amz-credential") || has("x-amz-date") ||
        has("x-amz-signature")) {
        return PostAuthVersion::kV4;
    }
    if (has("awsaccesskeyid") || has("signature")) return PostAuthVersion::kV2;
    return has("policy") ? PostAuthVersion::kV4 : PostAuthVersion::kNone;
}

std::optional<std::string> missing_post_auth_field(const PostFields& fields,
                                                   PostAuthVersion version) {
    std::vector<std::string_view> required;
    if (version == PostAuthVersion::kV4) {
        required = {"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                    "Policy"};
    } else if (version == PostAuthVersion::kV2) {
        required = {"Signature", "AWSAccessKeyId", "Policy"};
    }
    for (std::string_view name : required) {
        if (!find_post_field(fields, name)) return std::string(name);
    }
    return std::nullopt;
}

Result<std::string> verify_post_signature(const PostFields& fields, PostAuthVersion version,
                                          const CredentialProvider& credentials) {
    if (auto missing = missing_post_auth_field(fields, version)) {
        return invalid_field("Bucket POST must contain a field named '" + *missing +
                             "'.  If it is specified, please check the order of the fields.");
    }
    const std::string_view policy = *find_post_field(fields, "policy");
    auto mismatch = [] {
        return Status(StatusCode::kUnauthenticated, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.");
    };
    auto unknown_key = [] {
        return Status(StatusCode::kUnauthenticated, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.");
    };
    if (version == PostAuthVersion::kV2) {
        const std::string akid(*find_post_field(fields, "awsaccesskeyid"));
        auto secret = credentials.secret_for(akid);
        if (!secret) return unknown_key();
        const std::string expected = base64_encode(hmac_sha1(*secret, policy));
        if (!constant_time_equal(expected, trim(*find_post_field(fields, "signature")))) {
            return mismatch();
        }
        return akid;
    }
    if (*find_post_field(fields, "x-amz-algorithm") != "AWS4-HMAC-SHA256") {
        return invalid_field("Only AWS4-HMAC-SHA256 is supported for X-Amz-Algorithm.");
    }
    auto credential = parse_credential(*find_post_field(fields, "x-amz-credential"));
    if (!credential || credential->terminator != "aws4_request" || credential->date.size() != 8) {
        return invalid_field(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    }
    const std::string_view amz_date = *find_post_field(fields, "x-amz-date");
    if (!parse_amz_date(amz_date)) {
        return invalid_field(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    auto secret = credentials.secret_for(credential->access_key_id);
    if (!secret) return unknown_key();
    const std::string key =
        signing_key(*secret, credential->date, credential->region, credential->service);
    const std::string expected = to_hex(hmac_sha256(key, policy));
    const std::string provided = to_lower(trim(*find_post_field(fields, "x-amz-signature")));
    if (!constant_time_equal(expected, provided)) return mismatch();
    return credential->access_key_id;
}

// ---- creating -----------------------------------------------------------------------------------

PresignedPostForm create_post_policy(const SigningCredentials& creds,
                                     const PostPolicyRequest& request, TimePoint now,
                                     const SigningKeyCache* keys) {
    const TimePoint signed_at = std::chrono::floor<std::chrono::seconds>(now);
    const std::string amz_date = format_amz_date(signed_at);
    const std::string short_date = amz_date.substr(0, 8);
    const std::string credential = creds.access_key_id + "/" + short_date + "/" + creds.region +
                                   "/" + creds.service + "/aws4_request";

    PostFields fields = request.fields;
    set_field(fields, "bucket", request.bucket);
    set_field(fields, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    set_field(fields, "X-Amz-Credential", credential);
    set_field(fields, "X-Amz-Date", amz_date);
    if (!request.session_token.empty()) {
        set_field(fields, "X-Amz-Security-Token", request.session_token);
    }

    ordered_json conditions = ordered_json::array();
    for (const PolicyCondition& c : request.conditions) conditions.push_back(condition_json(c));
    for (const auto& [name, value] : fields) {
        conditions.push_back(condition_json(PolicyCondition::exact(name, value)));
    }
    constexpr std::string_view kFilename = "${filename}";
    if (request.key.ends_with(kFilename)) {
        conditions.push_back(condition_json(PolicyCondition::starts_with(
            "key", request.key.substr(0, request.key.rfind(kFilename)))));
    } else {
        conditions.push_back(condition_json(PolicyCondition::exact("key", request.key)));
    }

    // JS Date arithmetic keeps milliseconds, which toISOString then drops; so does this.
    const TimePoint expiration = now + request.expires;
    ordered_json doc = ordered_json::object();
    doc["expiration"] = iso8601(expiration);
    doc["conditions"] = std::move(conditions);

    PresignedPostForm form;
    form.policy_json = dump(doc);
    form.expiration = std::chrono::floor<std::chrono::seconds>(expiration);
    const std::string policy = base64_encode(form.policy_json);
    const std::string key =
        keys != nullptr ? keys->get(creds.secret_key, short_date, creds.region, creds.service)
                        : signing_key(creds.secret_key, short_date, creds.region, creds.service);
    form.fields = std::move(fields);
    set_field(form.fields, "key", request.key);
    set_field(form.fields, "Policy", policy);
    set_field(form.fields, "X-Amz-Signature", to_hex(hmac_sha256(key, policy)));
    return form;
}

// ---- base64 -------------------------------------------------------------------------------------

}  // namespace imgpipe::sigv4
