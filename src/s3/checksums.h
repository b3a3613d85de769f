#pragma once
// S3 additional checksums at the endpoint (x-amz-checksum-crc32 | crc32c | crc64nvme | sha1 |
// sha256): the request rules AWS applies around the values open_payload verifies, what is kept
// with objects and parts, and how a multipart object's checksum follows from its parts'
// (COMPOSITE or FULL_OBJECT, sigv4/checksum_combine.h). Failures carry AWS's public message as
// their Status message (s3::checksum_failure_extras shows it). Pure functions; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "http/request.h"
#include "s3/errors.h"
#include "sigv4/digest.h"
#include "sigv4/payload.h"
#include "store/object_store.h"

namespace imgpipe::s3 {

inline constexpr std::string_view kFullObject = "FULL_OBJECT";
inline constexpr std::string_view kComposite = "COMPOSITE";

// x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm on a request whose body carries a
// checksum (PutObject, UploadPart): InvalidRequest when the name is not an algorithm, when no
// x-amz-checksum-* header or x-amz-trailer carries that algorithm's value, or when the one
// carried is another algorithm's.
Status check_algorithm_header(const http::Headers& headers);
// The algorithm of the checksum value the request carries (header or declared trailer),
// nullopt for none.
std::optional<sigv4::ChecksumAlgorithm> carried_algorithm(const http::Headers& headers);

// What a finished payload verified (or computed), to keep with what it made (FULL_OBJECT).
store::ChecksumAtEnd checksum_at_end(const sigv4::PayloadSource& payload);
// x-amz-checksum-<algorithm> and x-amz-checksum-type for a kept checksum.
void add_checksum_headers(http::Response& response, const store::ObjectChecksum& checksum);
// "ChecksumCRC32", ... : the XML element for an algorithm ("CRC32").
std::string checksum_element(std::string_view algorithm);

// CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type as the upload's
// checksum (value empty); nullopt without an algorithm. The type defaults to FULL_OBJECT for
// CRC64NVME and COMPOSITE otherwise. InvalidRequest for an unknown algorithm or type, a type
// without an algorithm, FULL_OBJECT with SHA1/SHA256, COMPOSITE with CRC64NVME.
Result<std::optional<store::ObjectChecksum>> upload_checksum(const http::Headers& headers);
// UploadPart: the algorithm its part's checksum must be kept in (the upload's, else whatever the
// part carries). InvalidRequest when the part carries another algorithm than its upload's.
Result<std::optional<sigv4::ChecksumAlgorithm>> part_algorithm(
    const http::Headers& headers, const std::optional<store::ObjectChecksum>& upload);

// The object checksum of a CompleteMultipartUpload: nullopt for an upload without an algorithm.
// `listed` are the parts the client lists (with the checksums it lists), `stored` the upload's
// parts as kept. InvalidPart when a listed checksum is not the stored part's; InvalidRequest when
// a COMPOSITE upload's part is listed without its checksum or x-amz-checksum-type disagrees with
// the upload's; BadDigest when an x-amz-checksum-<algorithm> header (the whole object's
// checksum) is not the computed one.
Result<std::optional<store::ObjectChecksum>> multipart_checksum(
    const http::Headers& headers, const std::optional<store::ObjectChecksum>& upload,
    const std::vector<store::CompletedPart>& listed, const std::vector<store::PartInfo>& stored);

// The response extras for a checksum rule's failure: its message is AWS's public text.
ErrorExtras checksum_failure_extras(const Status& status);

}  // namespace imgpipe::s3
