#pragma once
// AWS Signature Version 4 for S3, as pure functions: canonical request, string to sign, signing
// key, signature; verification of header auth and presigned-query auth; signing for clients
// (presigned URLs, signed requests). S3 rules throughout: no path normalisation, the path is
// decoded once and re-encoded once. Nothing here does I/O or keeps state except the
// thread-safe signing-key cache inside `Verifier`.
//
// Error reasons returned (S3 error names): AccessDenied, InvalidAccessKeyId,
// SignatureDoesNotMatch, RequestTimeTooSkewed, AuthorizationHeaderMalformed,
// AuthorizationQueryParametersError, InvalidRequest, InvalidArgument.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hex.h"
#include "core/result.h"

namespace imgpipe::sigv4 {

using TimePoint = std::chrono::system_clock::time_point;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// ---- primitives -------------------------------------------------------------------------------
std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha1(std::string_view key, std::string_view data);    // raw 20 bytes (SigV2)
// Standard base64 with padding. Decoding skips whitespace; nullopt when the text is not base64.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// RFC 3986 encoding as SigV4 wants it: unreserved A-Za-z0-9-_.~ kept, the rest %XX upper-case;
// '/' kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash);
// Percent-decoding; '+' stays '+'. nullopt on a malformed escape.
std::optional<std::string> uri_decode(std::string_view s);
// "20130524T000000Z" <-> time point. nullopt when malformed.
std::optional<TimePoint> parse_amz_date(std::string_view s);
std::string format_amz_date(TimePoint t);
// kSigning = HMAC chain over date (yyyymmdd), region, service, "aws4_request".
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// ---- canonical request --------------------------------------------------------------------------
// The parts of an HTTP request that SigV4 reads. `path` and `query` are exactly as received.
struct RequestView {
    std::string_view method;
    std::string_view path;
    std::string_view query;
    const HeaderList* headers = nullptr;
    // The bucket when it came from the Host header (virtual-hosted style): SigV2 signs
    // "/bucket" + path. Empty for path-style requests.
    std::string_view virtual_host_bucket;
};

// S3 canonical URI: `path` decoded once, then each segment encoded once; no normalisation.
// A malformed escape is kept literally (and so encoded as %25..).
std::string canonical_uri(std::string_view path);
// Sorted, encoded; `X-Amz-Signature` left out when `for_presigned`. Each key and value is
// decoded once (a raw '+' read as a space, as AWS and MinIO do) and re-encoded once.
std::string canonical_query(std::string_view query, bool for_presigned);
// "name:value\n" for each signed header (trimmed, inner whitespace runs folded, repeated headers
// joined with ','); an error (reason MissingSignedHeader) naming a signed header that is absent.
Result<std::string> canonical_headers(const HeaderList& headers,
                                      const std::vector<std::string>& signed_headers);
std::string canonical_request(const RequestView& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool for_presigned);
// scope = "<yyyymmdd>/<region>/<service>/aws4_request"
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// ---- verification -------------------------------------------------------------------------------
class CredentialProvider {
  public:
    virtual ~CredentialProvider() = default;
    // The secret key for an access key id, or nullopt if unknown. Thread-safe.
    virtual std::optional<std::string> secret_for(std::string_view access_key_id) const = 0;
};

enum class PayloadMode {
    kSignedHex,                 // x-amz-content-sha256 is the body's hex SHA-256
    kUnsigned,                  // UNSIGNED-PAYLOAD (or a presigned URL)
    kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
    kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
    kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// A request whose signature checked out.
struct Authorization {
    std::string access_key_id;
    bool presigned = false;
    PayloadMode payload_mode = PayloadMode::kUnsigned;
    std::string payload_sha256_hex;  // kSignedHex only
    // For verifying signed chunks: the seed signature and what signs each chunk.
    std::string seed_signature;
    std::string signing_key;
    std::string amz_date;
    std::string scope;
};

// True if the request carries SigV4 (or SigV2) auth in its headers or query; false means
// anonymous.
bool has_auth(const RequestView& request);

struct VerifyOptions {
    // Header auth: |request time - now| beyond this is RequestTimeTooSkewed. Presigned URLs
    // dated further than this in the future are not valid yet.
    std::chrono::seconds max_skew{15 * 60};
    std::chrono::seconds max_presign_expiry{7 * 24 * 3600};
    // The service the credential scope must name; empty accepts any.
    std::string service = "s3";
};

// Verifies header auth (Authorization: AWS4-HMAC-SHA256 ...) or presigned query auth
// (X-Amz-Algorithm=...). Caches signing keys per (secret, date, region, service). Thread-safe;
// `credentials` must outlive the Verifier.
class Verifier {
  public:
    explicit Verifier(const CredentialProvider& credentials, VerifyOptions options = {});
    ~Verifier();
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    // The request's authorization if its signature checks out. The region is taken from the
    // credential scope. Errors (reason, code):
    //   AccessDenied (kPermissionDenied): no auth, no usable date, presigned URL expired or not
    //     valid yet; RequestTimeTooSkewed (kPermissionDenied): header auth outside max_skew;
    //   InvalidAccessKeyId, SignatureDoesNotMatch (kUnauthenticated);
    //   AuthorizationHeaderMalformed, AuthorizationQueryParametersError, InvalidRequest (SigV2,
    //     missing x-amz-content-sha256), InvalidArgument (bad x-amz-content-sha256, two auth
    //     mechanisms) (kInvalidArgument); AuthorizationQueryParametersError for an X-Amz-Expires
    //     that is negative or above max_presign_expiry (kPermissionDenied, 403 as s3-tests want).
    // Messages are safe to log (no secrets).
    Result<Authorization> verify(const RequestView& request, TimePoint now) const;

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// ---- signing (clients) --------------------------------------------------------------------------
struct SigningCredentials {
    std::string access_key_id;
    std::string secret_key;
    std::string region = "us-east-1";
    std::string service = "s3";
};

// Returns the query string (without '?') of a presigned URL for `method host path`: the
// original `query` plus the X-Amz-* parameters and X-Amz-Signature. `path` must be encoded.
std::string presign_query(const SigningCredentials& creds, std::string_view method,
                          std::string_view host, std::string_view path, std::string_view query,
                          std::chrono::seconds expires, TimePoint now);

// Adds x-amz-date, x-amz-content-sha256 and Authorization to `headers` (which must hold Host).
void sign_request(const SigningCredentials& creds, std::string_view method, std::string_view path,
                  std::string_view query, HeaderList& headers, std::string_view payload_hash,
                  TimePoint now);

}  // namespace imgpipe::sigv4
