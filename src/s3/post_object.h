#pragma once
// POST Object: browser-based uploads into a bucket (multipart/form-data with a signed POST
// policy, or anonymous into a public-write bucket). See s3-compat.md §2 in the shared docs.
// The body is parsed as it streams; the file part goes straight into the store, its size checked
// against the policy's content-length-range as it arrives.

#include <string>

#include "http/request.h"
#include "s3/context.h"

namespace imgpipe::s3 {

// Handles `POST /<bucket>` with a multipart/form-data body. Returns 204/200/201/303 on success
// or an S3 XML error (403 AccessDenied for a failed policy condition, 400 EntityTooLarge, ...).
http::Response post_object(const S3Context& context, http::Request& request,
                           const std::string& bucket);

}  // namespace imgpipe::s3
