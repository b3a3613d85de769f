#include "sigv4/digest.h"

#include <openssl/evp.h>

#include <boost/crc.hpp>
#include <cstdint>
#include <stdexcept>

#include "sigv4/payload.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

const EVP_MD* md_for(DigestKind kind) {
    switch (kind) {
        case DigestKind::kSha256:
            return EVP_sha256();
        case DigestKind::kSha1:
            return EVP_sha1();
        case DigestKind::kMd5:
            return EVP_md5();
    }
    return EVP_sha256();
}

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;
using Crc64Nvme = boost::crc_optimal<64, 0xAD93D23594C93659ULL, 0xFFFFFFFFFFFFFFFFULL,
                                     0xFFFFFFFFFFFFFFFFULL, true, true>;

}  // namespace

std::string big_endian(uint64_t value, size_t bytes) {
    std::string out(bytes, '\0');
    for (size_t i = 0; i < bytes; ++i) {
        out[bytes - 1 - i] = static_cast<char>(value & 0xFF);
        value >>= 8;
    }
    return out;
}

void Digest::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Digest::Digest(DigestKind kind) : ctx_(EVP_MD_CTX_new()) {
    // Allocation failure of a few hundred bytes is not a recoverable condition here.
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_for(kind), nullptr) != 1) {
        throw std::runtime_error("EVP_DigestInit_ex failed");
    }
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(std::string_view data) {
    if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

std::string Digest::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string_view checksum_name(ChecksumAlgorithm algorithm) {
    switch (algorithm) {
        case ChecksumAlgorithm::kCrc32:
            return "CRC32";
        case ChecksumAlgorithm::kCrc32c:
            return "CRC32C";
        case ChecksumAlgorithm::kCrc64Nvme:
            return "CRC64NVME";
        case ChecksumAlgorithm::kSha1:
            return "SHA1";
        case ChecksumAlgorithm::kSha256:
            return "SHA256";
    }
    return "";
}

std::string_view checksum_header(ChecksumAlgorithm algorithm) {
    switch (algorithm) {
        case ChecksumAlgorithm::kCrc32:
            return "x-amz-checksum-crc32";
        case ChecksumAlgorithm::kCrc32c:
            return "x-amz-checksum-crc32c";
        case ChecksumAlgorithm::kCrc64Nvme:
            return "x-amz-checksum-crc64nvme";
        case ChecksumAlgorithm::kSha1:
            return "x-amz-checksum-sha1";
        case ChecksumAlgorithm::kSha256:
            return "x-amz-checksum-sha256";
    }
    return "";
}

std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view header_name) {
    for (auto a :
         {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
          ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
        if (iequals(header_name, checksum_header(a))) return a;
    }
    return std::nullopt;
}

size_t checksum_size(ChecksumAlgorithm algorithm) {
    switch (algorithm) {
        case ChecksumAlgorithm::kCrc32:
        case ChecksumAlgorithm::kCrc32c:
            return 4;
        case ChecksumAlgorithm::kCrc64Nvme:
            return 8;
        case ChecksumAlgorithm::kSha1:
            return 20;
        case ChecksumAlgorithm::kSha256:
            return 32;
    }
    return 0;
}

struct Checksummer::State {
    boost::crc_32_type crc32;
    Crc32c crc32c;
    Crc64Nvme crc64;
    std::optional<Digest> digest;
};

Checksummer::Checksummer(ChecksumAlgorithm algorithm)
    : algorithm_(algorithm), state_(std::make_unique<State>()) {
    if (algorithm == ChecksumAlgorithm::kSha1) state_->digest.emplace(DigestKind::kSha1);
    if (algorithm == ChecksumAlgorithm::kSha256) state_->digest.emplace(DigestKind::kSha256);
}
Checksummer::~Checksummer() = default;
Checksummer::Checksummer(Checksummer&&) noexcept = default;
Checksummer& Checksummer::operator=(Checksummer&&) noexcept = default;

void Checksummer::update(std::string_view data) {
    switch (algorithm_) {
        case ChecksumAlgorithm::kCrc32:
            state_->crc32.process_bytes(data.data(), data.size());
            break;
        case ChecksumAlgorithm::kCrc32c:
            state_->crc32c.process_bytes(data.data(), data.size());
            break;
        case ChecksumAlgorithm::kCrc64Nvme:
            state_->crc64.process_bytes(data.data(), data.size());
            break;
        case ChecksumAlgorithm::kSha1:
        case ChecksumAlgorithm::kSha256:
            state_->digest->update(data);
            break;
    }
}

std::string Checksummer::finish_base64() {
    switch (algorithm_) {
        case ChecksumAlgorithm::kCrc32:
            return base64_encode(big_endian(state_->crc32.checksum(), 4));
        case ChecksumAlgorithm::kCrc32c:
            return base64_encode(big_endian(state_->crc32c.checksum(), 4));
        case ChecksumAlgorithm::kCrc64Nvme:
            return base64_encode(big_endian(state_->crc64.checksum(), 8));
        case ChecksumAlgorithm::kSha1:
        case ChecksumAlgorithm::kSha256:
            return base64_encode(state_->digest->finish());
    }
    return "";
}

namespace {
std::string checksum_of(ChecksumAlgorithm algorithm, std::string_view data) {
    Checksummer c(algorithm);
    c.update(data);
    return c.finish_base64();
}
}  // namespace

std::string crc32_base64(std::string_view data) {
    return checksum_of(ChecksumAlgorithm::kCrc32, data);
}
std::string crc32c_base64(std::string_view data) {
    return checksum_of(ChecksumAlgorithm::kCrc32c, data);
}
std::string crc64nvme_base64(std::string_view data) {
    return checksum_of(ChecksumAlgorithm::kCrc64Nvme, data);
}

}  // namespace imgpipe::sigv4
