#pragma once
// Multipart checksums as S3 defines them, from the checksums of the parts:
//   - COMPOSITE: the checksum (same algorithm) of the parts' raw checksums concatenated in part
//     order, written "<base64>-<part count>"; any algorithm.
//   - FULL_OBJECT: the checksum of the whole object's bytes, which for the CRCs (CRC32, CRC32C,
//     CRC64NVME) follows from the parts' CRCs and sizes without the bytes: crc(A+B) is crc(A)
//     advanced over len(B) zero bits, xor crc(B), the advance done with GF(2) matrices squared
//     per bit of the length (zlib's crc32_combine method, for any reflected CRC whose initial
//     value and final xor are all ones, as all three are).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sigv4/digest.h"

namespace imgpipe::sigv4 {

// "CRC32", "crc32c", ... (any case) as S3's x-amz-checksum-algorithm names them.
std::optional<ChecksumAlgorithm> checksum_from_name(std::string_view name);
// CRC32, CRC32C, CRC64NVME: the algorithms a FULL_OBJECT multipart checksum can use.
bool is_crc(ChecksumAlgorithm algorithm);

// The CRC of A followed by B from crc(A), crc(B) and B's length in bytes.
// REQUIRES: is_crc(algorithm).
uint64_t crc_combine(ChecksumAlgorithm algorithm, uint64_t crc_a, uint64_t crc_b,
                     uint64_t length_b);

struct PartChecksum {
    std::string base64;  // the part's checksum
    uint64_t size = 0;   // the part's length in bytes
};

// FULL_OBJECT checksum (base64) of the parts joined in order. InvalidArgument when a value is
// not base64 of the algorithm's size. REQUIRES: is_crc(algorithm), parts not empty.
Result<std::string> combine_full_object(ChecksumAlgorithm algorithm,
                                        const std::vector<PartChecksum>& parts);
// COMPOSITE checksum "<base64>-<N>" of N parts. InvalidArgument as above.
Result<std::string> combine_composite(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_base64);

}  // namespace imgpipe::sigv4
