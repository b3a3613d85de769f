#pragma once
// S3ClientOptions: where an S3-compatible service is and how to talk to it (DESIGN.md §7):
// the endpoint from `--store s3+http(s)://HOST[:PORT]`, path- or virtual-hosted-style, the
// SigV4 credentials and region, and the retry and multipart tuning. Value type.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "sigv4/sigv4.h"

namespace imgpipe::store::s3 {

struct S3ClientOptions {
    std::string scheme = "https";  // "http" or "https"
    std::string host;              // name or address, without the port
    int port = 443;
    // Virtual-hosted-style ("BUCKET.HOST/KEY") instead of path-style ("HOST/BUCKET/KEY").
    bool virtual_hosted = false;
    sigv4::SigningCredentials credentials;  // region and access keys

    // Objects larger than this are uploaded as multipart uploads of parts this large; it is
    // also how much of a body a put holds in memory at once. At least 5 MiB (S3's minimum).
    uint64_t part_size = 8 * 1024 * 1024;
    // Attempts per request (retried: connection errors, 5xx, SlowDown), with exponential
    // backoff and full jitter from `backoff_base` up to `backoff_cap`.
    int max_attempts = 5;
    std::chrono::milliseconds backoff_base{100};
    std::chrono::milliseconds backoff_cap{5000};
    std::chrono::milliseconds connect_timeout{5000};
    // A transfer moving no bytes for this long fails (and is retried if it may be).
    std::chrono::seconds stall_timeout{60};
    // How retries wait; tests may replace it.
    std::function<void(std::chrono::milliseconds)> sleep;

    // "host:port" as the Host header carries it (the port left out when it is the scheme's).
    std::string authority() const;
};

// Parses `s3+http://HOST[:PORT]` or `s3+https://HOST[:PORT]` (an optional trailing '/', no
// path, query or user info) into scheme, host and port. kInvalidArgument/InvalidStoreUrl.
Status parse_store_url(const std::string& url, S3ClientOptions& options);

}  // namespace imgpipe::store::s3
