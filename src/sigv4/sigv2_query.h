#pragma once
// SigV2 presigned URLs (`?AWSAccessKeyId=&Expires=&Signature=`), internal to the Verifier.
// botocore still presigns with SigV2 by default in us-east-1 (`generate_presigned_url`, awscli
// 1's `aws s3 presign`), so a store that real clients use must accept them. Only the query form
// is supported; SigV2 Authorization headers are refused by the Verifier.

#include "core/result.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

// The string to sign: method, Content-MD5, Content-Type, Expires, x-amz-* headers, then the
// canonical resource ("/bucket/key" plus the sub-resources S3 signs, sorted).
std::string sigv2_string_to_sign(const RequestView& request, std::string_view expires);

// Verifies a SigV2 presigned request. AuthorizationQueryParametersError for missing or bad
// parameters, AccessDenied "Request has expired", InvalidAccessKeyId, SignatureDoesNotMatch.
Result<Authorization> verify_sigv2_query(const RequestView& request,
                                         const CredentialProvider& credentials, TimePoint now);

}  // namespace imgpipe::sigv4
