#pragma once
// Payload verification: turns a raw request body into the object's bytes, checking everything
// the request promised about them while they stream past.
//
// open_payload() stacks, as the request's payload mode and headers ask:
//   - aws-chunked decoding (STREAMING-* modes), verifying each chunk signature
//     (chunk string to sign chains from the seed signature) and the trailer;
//   - the hex SHA-256 of x-amz-content-sha256 (kSignedHex);
//   - x-amz-checksum-crc32 | crc32c | crc64nvme | sha1 | sha256 given as a header or a trailer;
//   - x-amz-decoded-content-length against the decoded byte count.
// A mismatch is reported by the read that reaches the end (or the read that finds a bad chunk),
// so a consumer that stops on error never commits unverified data. Reasons:
// XAmzContentSHA256Mismatch, BadDigest, SignatureDoesNotMatch, IncompleteBody, InvalidRequest,
// InvalidArgument, MalformedTrailerError.

#include <memory>
#include <optional>
#include <string>

#include "core/byte_source.h"
#include "sigv4/digest.h"
#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

struct PayloadChecksum {
    std::string algorithm;  // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"
    std::string base64;     // as computed over the decoded bytes
};

class PayloadSource : public ByteSource {
  public:
    // Bytes of the object this payload declares (x-amz-decoded-content-length or
    // Content-Length), if known before reading.
    virtual std::optional<uint64_t> declared_length() const = 0;
    // The checksum that was verified (or, failing one in the request, computed as
    // open_payload's `compute_if_absent` asked), once the source has ended.
    virtual std::optional<PayloadChecksum> checksum() const = 0;
};

// `headers` are the request headers; `raw` is the HTTP body (already de-chunked) and must
// outlive the returned source. An anonymous request (`auth.access_key_id` empty, e.g. a
// default-constructed Authorization) takes its payload mode from its x-amz-content-sha256
// header when it has one; the signed streaming modes then fail (InvalidRequest: no signing key).
// InvalidRequest / InvalidArgument / InvalidDigest for unusable header values. A request that
// carries no checksum gets one of `compute_if_absent`, when given, computed over its bytes.
Result<std::unique_ptr<PayloadSource>> open_payload(
    const Authorization& auth, const HeaderList& headers, std::optional<uint64_t> content_length,
    ByteSource& raw, std::optional<ChecksumAlgorithm> compute_if_absent = std::nullopt);

// Checksum helpers (also used by the store and the tests): base64 of the big-endian value.
std::string crc32_base64(std::string_view data);
std::string crc32c_base64(std::string_view data);
std::string crc64nvme_base64(std::string_view data);

}  // namespace imgpipe::sigv4
