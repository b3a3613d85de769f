#pragma once
// S3Context: everything an S3 endpoint handler needs, handed in by src/app. Handlers are free
// functions `http::Response f(const S3Context&, http::Request&, ...)` so they can be tested
// without a server. The context is built once at startup and is read-only afterwards; the objects
// it points to are thread-safe (the CORS cache changes inside, under its own lock).

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "sigv4/sigv4.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

class AccessKeyring;
class BucketCorsCache;

struct S3Options {
    std::string region = "us-east-1";
    // Virtual-hosted-style addressing: requests to "<bucket>.<domain>[:port]" address <bucket>.
    std::vector<std::string> virtual_host_domains = {"localhost"};
    // Buckets anyone may read (GET/HEAD objects) or write (browser POST) without credentials.
    std::set<std::string> public_read_buckets;
    std::set<std::string> public_write_buckets;
    // Origins allowed by CORS on the S3 endpoint ("*" for any).
    std::vector<std::string> cors_origins = {"*"};
    // Largest form-field section of a POST Object upload (AWS: 20 KB).
    size_t max_post_form_bytes = 20 * 1024;
    // A CompleteMultipartUpload still joining parts after this long is answered 200 at once and
    // then sends a space every interval until its result (see KeepAliveBody): far below the 60 s
    // read timeout of the AWS SDKs.
    std::chrono::milliseconds keepalive_interval{5000};
};

struct S3Context {
    store::ObjectStore* store = nullptr;
    const sigv4::CredentialProvider* credentials = nullptr;
    const sigv4::Verifier* verifier = nullptr;
    const Clock* clock = nullptr;
    // Per-key allowed buckets and actions; null lets every verified key do everything.
    const AccessKeyring* keyring = nullptr;
    // Buckets' parsed CORS rules; S3Service makes one when none is given.
    std::shared_ptr<BucketCorsCache> cors_cache;
    S3Options options;
};

}  // namespace imgpipe::s3
