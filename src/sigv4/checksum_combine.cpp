#include "sigv4/checksum_combine.h"

#include <array>

#include "sigv4/digest.h"
#include "sigv4/sigv4.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

// A 64x64 (or 32x32) matrix over GF(2): column i is the image of bit i.
using Matrix = std::array<uint64_t, 64>;

uint64_t times(const Matrix& m, uint64_t vector) {
    uint64_t sum = 0;
    for (int i = 0; vector != 0; ++i, vector >>= 1) {
        if (vector & 1) sum ^= m[i];
    }
    return sum;
}

void square(Matrix& out, const Matrix& m, int width) {
    for (int i = 0; i < width; ++i) out[i] = times(m, m[i]);
}

// The bit-reflected polynomial and width of each CRC.
std::pair<uint64_t, int> reflected_polynomial(ChecksumAlgorithm algorithm) {
    switch (algorithm) {
        case ChecksumAlgorithm::kCrc32:
            return {0xEDB88320ULL, 32};
        case ChecksumAlgorithm::kCrc32c:
            return {0x82F63B78ULL, 32};
        default:
            return {0x9A6C9329AC4BC9B5ULL, 64};
    }
}

Result<std::string> decode(ChecksumAlgorithm algorithm, const std::string& base64) {
    auto raw = base64_decode(base64);
    if (!raw || raw->size() != checksum_size(algorithm)) {
        return Status(
            StatusCode::kInvalidArgument, "InvalidArgument",
            "a part checksum is not a valid " + std::string(checksum_name(algorithm)) + " value");
    }
    return std::move(*raw);
}

uint64_t from_big_endian(std::string_view raw) {
    uint64_t value = 0;
    for (unsigned char c : raw) value = (value << 8) | c;
    return value;
}

}  // namespace

std::optional<ChecksumAlgorithm> checksum_from_name(std::string_view name) {
    for (ChecksumAlgorithm a :
         {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
          ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
        if (iequals(name, checksum_name(a))) return a;
    }
    return std::nullopt;
}

bool is_crc(ChecksumAlgorithm algorithm) {
    return algorithm == ChecksumAlgorithm::kCrc32 || algorithm == ChecksumAlgorithm::kCrc32c ||
           algorithm == ChecksumAlgorithm::kCrc64Nvme;
}

uint64_t crc_combine(ChecksumAlgorithm algorithm, uint64_t crc_a, uint64_t crc_b,
                     uint64_t length_b) {
    if (length_b == 0) return crc_a;
    const auto [polynomial, width] = reflected_polynomial(algorithm);
    Matrix odd{};
    Matrix even{};
    // The operator for one zero bit: shift right, xor the polynomial when bit 0 falls out.
    odd[0] = polynomial;
    for (int i = 1; i < width; ++i) odd[i] = uint64_t{1} << (i - 1);
    square(even, odd, width);  // two zero bits
    square(odd, even, width);  // four zero bits
    // Each round squares the operator (8, 16, 32... zero bits) and applies it for each set bit
    // of the length in bytes.
    do {
        square(even, odd, width);
        if (length_b & 1) crc_a = times(even, crc_a);
        length_b >>= 1;
        if (length_b == 0) break;
        square(odd, even, width);
        if (length_b & 1) crc_a = times(odd, crc_a);
        length_b >>= 1;
    } while (length_b != 0);
    return crc_a ^ crc_b;
}

Result<std::string> combine_full_object(ChecksumAlgorithm algorithm,
                                        const std::vector<PartChecksum>& parts) {
    uint64_t crc = 0;
    bool first = true;
    for (const PartChecksum& part : parts) {
        IMGPIPE_ASSIGN_OR_RETURN(std::string raw, decode(algorithm, part.base64));
        const uint64_t value = from_big_endian(raw);
        crc = first ? value : crc_combine(algorithm, crc, value, part.size);
        first = false;
    }
    return base64_encode(big_endian(crc, checksum_size(algorithm)));
}

Result<std::string> combine_composite(ChecksumAlgorithm algorithm,
                                      const std::vector<std::string>& part_base64) {
    Checksummer checksummer(algorithm);
    for (const std::string& part : part_base64) {
        IMGPIPE_ASSIGN_OR_RETURN(std::string raw, decode(algorithm, part));
        checksummer.update(raw);
    }
    return checksummer.finish_base64() + "-" + std::to_string(part_base64.size());
}

}  // namespace imgpipe::sigv4
