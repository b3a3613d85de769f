// Verifier: header auth and presigned-query auth, as a sequence of checks that each map to one
// S3 error. Every check is on values from the request; the signature is recomputed from the
// received header values and compared in constant time.

#include <openssl/crypto.h>

#include <charconv>

#include "sigv4/auth_params.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/sigv2_query.h"
#include "sigv4/sigv4.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

Status bad_request(std::string reason, std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}
Status denied(std::string reason, std::string message) {
    return Status(StatusCode::kPermissionDenied, std::move(reason), std::move(message));
}
Status unauthenticated(std::string reason, std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(reason), std::move(message));
}

Status query_error(std::string message) {
    return bad_request("AuthorizationQueryParametersError", std::move(message));
}

Result<PayloadMode> payload_mode_for(std::string_view value) {
    if (auto mode = parse_payload_mode(value)) return *mode;
    return bad_request("InvalidArgument",
                       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value or a "
                       "valid sha256 value");
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    for (const auto& n : names) {
        if (n == name) return true;
    }
    return false;
}

bool signatures_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The parts of a request shared by both auth styles, gathered before the common tail.
struct Claim {
    Credential credential;
    std::vector<std::string> signed_headers;
    std::string signature;
    std::string amz_date;
    std::string payload_hash;  // the canonical request's last line
    bool presigned = false;
    // What describes the body when that is not `payload_hash`: a presigned request signs
    // UNSIGNED-PAYLOAD but may still announce its body in an x-amz-content-sha256 header.
    std::string body_hash;
};

}  // namespace

class Verifier::Impl {
  public:
    Impl(const CredentialProvider& credentials, VerifyOptions options)
        : credentials_(credentials), options_(std::move(options)) {}

    Result<Authorization> verify(const RequestView& request, TimePoint now) const;

  private:
    Result<Claim> header_claim(const RequestView& request, std::string_view header,
                               TimePoint now) const;
    Result<Claim> query_claim(const RequestView& request, TimePoint now) const;
    Result<Authorization> check_signature(const RequestView& request, Claim claim) const;
    Status check_scope(const Credential& credential, std::string_view amz_date,
                       bool presigned) const;

    const CredentialProvider& credentials_;
    const VerifyOptions options_;
    SigningKeyCache keys_;
};

Verifier::Verifier(const CredentialProvider& credentials, VerifyOptions options)
    : impl_(std::make_unique<Impl>(credentials, std::move(options))) {}
Verifier::~Verifier() = default;

Result<Authorization> Verifier::verify(const RequestView& request, TimePoint now) const {
    return impl_->verify(request, now);
}

bool has_auth(const RequestView& request) {
    if (request.headers && find_header(*request.headers, "authorization")) return true;
    for (std::string_view name :
         {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "AWSAccessKeyId"}) {
        if (query_param(request.query, name)) return true;
    }
    return false;
}

Result<Authorization> Verifier::Impl::verify(const RequestView& request, TimePoint now) const {
    static const HeaderList kNoHeaders;
    const HeaderList& headers = request.headers ? *request.headers : kNoHeaders;
    auto header = find_header(headers, "authorization");
    bool query_v4 = query_param(request.query, "X-Amz-Algorithm") ||
                    query_param(request.query, "X-Amz-Credential") ||
                    query_param(request.query, "X-Amz-Signature");
    if (header && query_v4) {
        return bad_request("InvalidArgument",
                           "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                           "parameter, Signature query string parameter or the Authorization "
                           "header should be specified");
    }
    std::optional<Claim> claim;
    if (header) {
        std::string_view value = trim(*header);
        if (value.starts_with("AWS ")) {
            return bad_request("InvalidRequest",
                               "The authorization mechanism you have provided is not supported. "
                               "Please use AWS4-HMAC-SHA256.");
        }
        if (!value.starts_with("AWS4-HMAC-SHA256")) {
            return bad_request("InvalidArgument", "Unsupported Authorization Type");
        }
        IMGPIPE_ASSIGN_OR_RETURN(claim, header_claim(request, value, now));
    } else if (query_v4) {
        IMGPIPE_ASSIGN_OR_RETURN(claim, query_claim(request, now));
    } else if (query_param(request.query, "AWSAccessKeyId")) {
        return verify_sigv2_query(request, credentials_, now);
    } else {
        return denied("AccessDenied", "the request carries no authentication");
    }
    return check_signature(request, std::move(*claim));
}

Status Verifier::Impl::check_scope(const Credential& credential, std::string_view amz_date,
                                   bool presigned) const {
    auto error = [presigned](const std::string& message) {
        return presigned ? query_error("Error parsing the X-Amz-Credential parameter; " + message)
                         : bad_request("AuthorizationHeaderMalformed",
                                       "The authorization header is malformed; " + message);
    };
    if (credential.terminator != "aws4_request") {
        return error("the credential scope must end in aws4_request");
    }
    if (!options_.service.empty() && credential.service != options_.service) {
        return error("incorrect service \"" + credential.service + "\"; this endpoint expects \"" +
                     options_.service + "\"");
    }
    if (credential.date != amz_date.substr(0, 8)) {
        return error("Invalid credential date. Date is not the same as X-Amz-Date.");
    }
    return Status::ok();
}

Result<Claim> Verifier::Impl::header_claim(const RequestView& request, std::string_view header,
                                           TimePoint now) const {
    const HeaderList& headers = *request.headers;
    IMGPIPE_ASSIGN_OR_RETURN(HeaderAuthParams params, parse_authorization_header(header));

    std::optional<TimePoint> when;
    std::string amz_date;
    if (auto x_amz_date = find_header(headers, "x-amz-date")) {
        amz_date = std::string(trim(*x_amz_date));
        when = parse_amz_date(amz_date);
    } else if (auto date = find_header(headers, "date")) {
        when = parse_http_date(*date);
        if (when) amz_date = format_amz_date(*when);
    }
    if (!when) {
        return denied("AccessDenied",
                      "AWS authentication requires a valid Date or x-amz-date header");
    }
    IMGPIPE_RETURN_IF_ERROR(check_scope(params.credential, amz_date, false));
    if (*when > now + options_.max_skew || *when < now - options_.max_skew) {
        return denied("RequestTimeTooSkewed", "The difference between the request time (" +
                                                  amz_date + ") and the current time (" +
                                                  format_amz_date(now) + ") is too large.");
    }
    auto content_sha = find_header(headers, "x-amz-content-sha256");
    if (!content_sha) {
        return bad_request("InvalidRequest",
                           "Missing required header for this request: x-amz-content-sha256");
    }
    return Claim{std::move(params.credential),
                 std::move(params.signed_headers),
                 std::move(params.signature),
                 std::move(amz_date),
                 std::string(trim(*content_sha)),
                 false,
                 ""};
}

Result<Claim> Verifier::Impl::query_claim(const RequestView& request, TimePoint now) const {
    auto algorithm = query_param(request.query, "X-Amz-Algorithm");
    auto credential = query_param(request.query, "X-Amz-Credential");
    auto signature = query_param(request.query, "X-Amz-Signature");
    auto amz_date = query_param(request.query, "X-Amz-Date");
    auto signed_headers = query_param(request.query, "X-Amz-SignedHeaders");
    auto expires = query_param(request.query, "X-Amz-Expires");
    if (!algorithm || !credential || !signature || !amz_date || !signed_headers || !expires) {
        return query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.");
    }
    if (*algorithm != "AWS4-HMAC-SHA256") {
        return query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    }
    auto cred = parse_credential(*credential);
    if (!cred) return query_error("Error parsing the X-Amz-Credential parameter");
    auto when = parse_amz_date(*amz_date);
    if (!when) {
        return query_error(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    long long expiry = 0;
    auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), expiry);
    if (ec != std::errc() || end != expires->data() + expires->size() || expires->empty()) {
        return query_error("X-Amz-Expires should be a number");
    }
    // Out-of-range expiries are malformed requests to AWS (400; ceph s3-tests expect 403 but
    // AWS is the reference). An expiry of 0 is well-formed and expired at once (403, below).
    if (expiry < 0) return query_error("X-Amz-Expires must be non-negative");
    if (expiry > options_.max_presign_expiry.count()) {
        return query_error(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than " +
            std::to_string(options_.max_presign_expiry.count()) + " seconds");
    }
    IMGPIPE_RETURN_IF_ERROR(check_scope(*cred, *amz_date, true));
    if (*when > now + options_.max_skew) {
        return denied("AccessDenied", "Request is not valid yet");
    }
    if (expiry == 0 || now >= *when + std::chrono::seconds(expiry)) {
        return denied("AccessDenied", "Request has expired (X-Amz-Date " + *amz_date +
                                          ", X-Amz-Expires " + *expires + ", server time " +
                                          format_amz_date(now) + ")");
    }
    auto sig = normalize_signature(*signature);
    if (!sig) return query_error("X-Amz-Signature must be 64 hex digits");
    auto names = split_signed_headers(*signed_headers);
    if (names.empty()) return query_error("X-Amz-SignedHeaders is empty");
    auto content_sha = query_param(request.query, "X-Amz-Content-Sha256");
    Claim claim{std::move(*cred),
                std::move(names),
                std::move(*sig),
                std::move(*amz_date),
                content_sha ? *content_sha : std::string(kUnsignedPayload),
                true,
                ""};
    if (!content_sha && request.headers) {
        if (auto header = find_header(*request.headers, "x-amz-content-sha256")) {
            claim.body_hash = std::string(trim(*header));
        }
    }
    return claim;
}

Result<Authorization> Verifier::Impl::check_signature(const RequestView& request,
                                                      Claim claim) const {
    if (claim.body_hash.empty()) claim.body_hash = claim.payload_hash;
    IMGPIPE_ASSIGN_OR_RETURN(PayloadMode mode, payload_mode_for(claim.body_hash));
    // Signed chunks chain from a seed signature that only header auth provides.
    if (claim.presigned &&
        (mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer)) {
        return bad_request("InvalidRequest",
                           "presigned requests cannot use a signed streaming payload");
    }
    if (!contains(claim.signed_headers, "host")) {
        return claim.presigned ? query_error("X-Amz-SignedHeaders must include host")
                               : bad_request("AuthorizationHeaderMalformed",
                                             "The authorization header is malformed; "
                                             "SignedHeaders must include host");
    }
    auto secret = credentials_.secret_for(claim.credential.access_key_id);
    if (!secret) {
        return unauthenticated("InvalidAccessKeyId",
                               "The AWS Access Key Id you provided does not exist in our "
                               "records (" +
                                   claim.credential.access_key_id + ")");
    }
    static const HeaderList kNoHeaders;
    auto block =
        canonical_headers(request.headers ? *request.headers : kNoHeaders, claim.signed_headers);
    if (!block) {
        return unauthenticated("SignatureDoesNotMatch",
                               "The request signature we calculated does not match the signature "
                               "you provided: " +
                                   block.status().message());
    }
    std::string key = keys_.get(*secret, claim.credential.date, claim.credential.region,
                                claim.credential.service);
    std::string scope = claim.credential.scope();
    std::string creq =
        canonical_request(request, claim.signed_headers, claim.payload_hash, claim.presigned);
    std::string sts = string_to_sign(claim.amz_date, scope, creq);
    std::string expected = to_hex(hmac_sha256(key, sts));
    if (!signatures_equal(expected, claim.signature)) {
        return unauthenticated("SignatureDoesNotMatch",
                               "The request signature we calculated does not match the signature "
                               "you provided. Check your key and signing method. (access key " +
                                   claim.credential.access_key_id + ", string to sign " + sts +
                                   ")");
    }
    Authorization auth;
    auth.access_key_id = std::move(claim.credential.access_key_id);
    auth.presigned = claim.presigned;
    auth.payload_mode = mode;
    if (mode == PayloadMode::kSignedHex) auth.payload_sha256_hex = to_lower(claim.body_hash);
    auth.seed_signature = std::move(claim.signature);
    auth.signing_key = std::move(key);
    auth.amz_date = std::move(claim.amz_date);
    auth.scope = std::move(scope);
    return auth;
}

}  // namespace imgpipe::sigv4
