#include "aws_chunked_driver.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/byte_source.h"
#include "sigv4/payload.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4::fuzzing {
namespace {

void check(bool invariant) {
    if (!invariant) std::abort();
}

}  // namespace

AwsChunkedOutcome run_aws_chunked_input(const uint8_t* data, size_t size) {
    AwsChunkedOutcome out;
    if (size == 0) return out;
    uint8_t control = data[0];
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    int mode = control & 3;
    size_t raw_read = 1 + ((control >> 2) & 7) * 9;
    size_t consumer_read = 1 + ((control >> 5) & 7) * 13;

    Authorization auth;
    auth.access_key_id = "AKIDFUZZ";
    auth.amz_date = kFuzzDate;
    auth.scope = kFuzzScope;
    auth.signing_key = signing_key(kFuzzSecret, "20240101", "us-east-1", "s3");
    auth.seed_signature = kFuzzSeedSignature;
    HeaderList headers = {{"content-encoding", "aws-chunked"}};
    switch (mode) {
        case 0:
            auth.payload_mode = PayloadMode::kStreamingUnsignedTrailer;
            headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32");
            break;
        case 1:
            auth.payload_mode = PayloadMode::kStreamingSigned;
            break;
        case 2:
            auth.payload_mode = PayloadMode::kStreamingSignedTrailer;
            headers.emplace_back("x-amz-trailer", "x-amz-checksum-crc32");
            break;
        default:
            auth.payload_mode = PayloadMode::kStreamingUnsignedTrailer;
            break;
    }

    StringByteSource raw(std::string(body), raw_read);
    auto source = open_payload(auth, headers, std::nullopt, raw);
    check(source.is_ok());
    std::vector<char> buf(consumer_read);
    for (;;) {
        auto n = (*source)->read(std::span<char>(buf.data(), buf.size()));
        if (!n) {
            out.status = n.status();
            check(!(*source)->read(std::span<char>(buf.data(), buf.size())).is_ok());
            break;
        }
        check(*n <= buf.size());
        if (*n == 0) {
            check((mode != 0 && mode != 2) || (*source)->checksum().has_value());
            break;
        }
        out.decoded.append(buf.data(), *n);
        check(out.decoded.size() <= body.size());
    }
    return out;
}

}  // namespace imgpipe::sigv4::fuzzing
