#pragma once
// CORS for the S3 endpoint, so browser code (fetch/XHR uploads, aws-sdk-js in a page) can call
// it. A bucket's own configuration (PutBucketCors: CORSConfiguration XML) decides for requests to
// that bucket; without one, the server's default does (S3Options::cors_origins, any method and
// header). Rules are evaluated as S3 does: the first rule whose AllowedOrigin matches the
// Origin (one '*' wildcard allowed), whose AllowedMethod has the method and, for a preflight,
// whose AllowedHeader patterns cover every requested header (case-insensitive) answers.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/request.h"
#include "s3/context.h"

namespace imgpipe::s3 {

struct CorsRule {
    std::string id;
    std::vector<std::string> allowed_origins;
    std::vector<std::string> allowed_methods;  // GET, PUT, POST, DELETE, HEAD
    std::vector<std::string> allowed_headers;
    std::vector<std::string> expose_headers;
    std::optional<int> max_age_seconds;
};

struct CorsConfig {
    std::vector<CorsRule> rules;
};

// A PutBucketCors body. MalformedXML for what is not a CORSConfiguration of 1 to 100 rules,
// each with an AllowedOrigin and an AllowedMethod; InvalidRequest for a method S3 does not
// allow or a pattern with more than one '*'.
Result<CorsConfig> parse_cors_config(std::string_view xml);
// The configuration as GetBucketCors answers it (and as it is stored).
std::string render_cors_config(const CorsConfig& config);
// The server's default: S3Options::cors_origins, every method, any header.
CorsConfig default_cors_config(const S3Options& options);

// Answers an OPTIONS preflight under `config`: 200 with the Access-Control-* headers of the
// first matching rule; 403 AccessForbidden when none matches; 400 when Origin or
// Access-Control-Request-Method is missing.
http::Response cors_preflight(const CorsConfig& config, const http::Request& request);

// Adds the Access-Control-* headers of the rule matching an actual request's Origin and method
// (none when it has no Origin or nothing matches).
void add_cors_headers(const CorsConfig& config, const http::Request& request,
                      http::Response& response);

}  // namespace imgpipe::s3
