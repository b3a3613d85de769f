#pragma once
// Internal to imgpipe_sigv4: parsing of what a SigV4 request carries — the Authorization header
// (Credential, SignedHeaders, Signature), the presigned X-Amz-* query parameters and the
// timestamp headers. Pure functions; errors carry the S3 error name as `reason`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

// "AKID/20130524/us-east-1/s3/aws4_request", split.
struct Credential {
    std::string access_key_id;
    std::string date;  // yyyymmdd
    std::string region;
    std::string service;
    std::string terminator;  // "aws4_request" when well-formed

    std::string scope() const { return date + "/" + region + "/" + service + "/" + terminator; }
};

// nullopt unless there are at least five '/'-separated parts with non-empty key, date, region
// and service.
std::optional<Credential> parse_credential(std::string_view value);

// The parts after "AWS4-HMAC-SHA256 " in an Authorization header.
struct HeaderAuthParams {
    Credential credential;
    std::vector<std::string> signed_headers;  // lower-cased, in the order given
    std::string signature;                    // lower-case hex
};

// REQUIRES: `value` starts with "AWS4-HMAC-SHA256". AuthorizationHeaderMalformed (or
// AuthorizationHeaderMalformed with detail) when a component is missing or ill-formed.
Result<HeaderAuthParams> parse_authorization_header(std::string_view value);

// "host;x-amz-date" -> {"host", "x-amz-date"}; empty names are dropped.
std::vector<std::string> split_signed_headers(std::string_view value);

// The decoded value of the first query parameter named exactly `name`, or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// IMF-fixdate ("Fri, 24 May 2013 00:00:00 GMT"), the form of the HTTP Date header.
std::optional<TimePoint> parse_http_date(std::string_view value);

// The payload mode an x-amz-content-sha256 value announces (64 hex digits, UNSIGNED-PAYLOAD or
// one of the three STREAMING-* values); nullopt for anything else.
std::optional<PayloadMode> parse_payload_mode(std::string_view value);

// 64 hex digits (any case) -> lower case; nullopt otherwise.
std::optional<std::string> normalize_signature(std::string_view value);

}  // namespace imgpipe::sigv4
