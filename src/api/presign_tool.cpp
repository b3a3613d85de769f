// api_presign_tool: signs an upload exactly as `POST /upload-image` does, but with the time,
// id and credentials given on the command line, so tests can compare imgpipe's policy and
// signature with other implementations (tests/integration/test_upload_api.py compares it with
// @aws-sdk/s3-presigned-post). Not part of the server; it touches no network or files.
//
//   api_presign_tool '{"now":1767323045,"id":"ID","bucket":"uploads","bucketUrl":"http://...",
//                      "region":"us-east-1","accessKey":"AK","secretKey":"SK",
//                      "expirySeconds":900,"maxUploadBytes":26214400,
//                      "request":{"filename":"cat.jpg"}}'
//
// Prints the API's response JSON plus "policyJson" (the decoded policy) and exits 0, or prints
// the API's error JSON and exits 1.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/presigned_post.h"
#include "api/upload_request.h"

int main(int argc, char** argv) {
    using nlohmann::json;
    using namespace imgpipe::api;
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s JSON\n", argv[0]);
        return 2;
    }
    json in = json::parse(argv[1], nullptr, false);
    if (!in.is_object() || !in.contains("request") || !in["now"].is_number_integer() ||
        !in["id"].is_string()) {
        std::fprintf(stderr, "input must be an object with now, id and request\n");
        return 2;
    }
    PresignOptions o;
    o.bucket = in.value("bucket", o.bucket);
    o.bucket_url = in.value("bucketUrl", o.bucket_url);
    o.region = in.value("region", o.region);
    o.access_key = in.value("accessKey", o.access_key);
    o.secret_key = in.value("secretKey", o.secret_key);
    o.expiry = std::chrono::seconds(in.value("expirySeconds", int64_t{900}));
    o.max_upload_bytes = in.value("maxUploadBytes", o.max_upload_bytes);

    UploadLimits limits;
    limits.max_upload_bytes = o.max_upload_bytes;
    auto request = parse_upload_request(in["request"].dump(), limits);
    if (!request) {
        std::cout << error_response(request.status()).body << "\n";
        return 1;
    }
    const TimePoint now{std::chrono::seconds(in["now"].get<int64_t>())};
    PresignedPost post = build_presigned_post(o, *request, in["id"].get<std::string>(), now);
    json out = json::parse(presigned_post_json(post));
    out["policyJson"] = post.policy_json;
    std::cout << out.dump() << "\n";
    return 0;
}
