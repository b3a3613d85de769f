#pragma once
// POST Object: browser-based uploads into a bucket (multipart/form-data with a signed POST
// policy, or anonymous into a public-write bucket). See s3-compat.md §2 in the shared docs.
// The body is parsed as it streams; the file part goes straight into the store, its size checked
// against the policy's content-length-range as it arrives.
//
// The form fields authenticate the upload, so they come from the body, which an anonymous client
// controls: the server reads them into memory on its I/O thread before post_object() runs
// (post_object_prefetch, declared as the S3 route's prefetch), so a client that sends a few
// bytes and stalls costs a connection, not a handler thread.

#include <string>

#include "http/request.h"
#include "s3/context.h"

namespace imgpipe::s3 {

// Handles `POST /<bucket>` with a multipart/form-data body. Returns 204/200/201/303 on success
// or an S3 XML error (403 AccessDenied for a failed policy condition, 400 EntityTooLarge, ...).
http::Response post_object(const S3Context& context, http::Request& request,
                           const std::string& bucket);

// How many body bytes the server should read before the handler of `request` runs
// (http::RouteOptions::prefetch): for a POST Object (POST without a query string), enough for
// the largest form-field section plus the file part's headers, so that reading the fields never
// waits on the socket; 0 for any other request (those authenticate from the header, before
// reading the body).
size_t post_object_prefetch(const S3Options& options, const http::Request& request);

}  // namespace imgpipe::s3
