#pragma once
// Internal to imgpipe_sigv4: incremental hashing over OpenSSL EVP (SHA-256, SHA-1, MD5) and
// the CRCs S3 checksums use (CRC32, CRC32C, CRC64NVME via Boost.CRC), behind one small
// `Checksummer` so the payload verifiers can feed bytes as they stream. One thread at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace imgpipe::sigv4 {

enum class DigestKind { kSha256, kSha1, kMd5 };

// An EVP message digest fed incrementally. Move-only.
class Digest {
  public:
    explicit Digest(DigestKind kind);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;

    void update(std::string_view data);
    // Raw digest bytes; the digest must not be updated afterwards.
    std::string finish();

  private:
    struct CtxDeleter {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

// `value`'s low `bytes` bytes, most significant first (how S3 encodes a CRC before base64).
std::string big_endian(uint64_t value, size_t bytes);

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "CRC32", "CRC32C", ... as S3 spells them in responses.
std::string_view checksum_name(ChecksumAlgorithm algorithm);
// The request/trailer header carrying it: "x-amz-checksum-crc32", ...
std::string_view checksum_header(ChecksumAlgorithm algorithm);
// Parses a header name (any case) such as "x-amz-checksum-crc32c"; nullopt for anything else.
std::optional<ChecksumAlgorithm> checksum_from_header(std::string_view header_name);
// Length in bytes of the raw checksum value (4, 8, 20, 32).
size_t checksum_size(ChecksumAlgorithm algorithm);

// Computes one S3 checksum incrementally.
class Checksummer {
  public:
    explicit Checksummer(ChecksumAlgorithm algorithm);
    ~Checksummer();
    Checksummer(Checksummer&&) noexcept;
    Checksummer& operator=(Checksummer&&) noexcept;

    ChecksumAlgorithm algorithm() const { return algorithm_; }
    void update(std::string_view data);
    // Base64 of the big-endian value; call once, at the end.
    std::string finish_base64();

  private:
    struct State;
    ChecksumAlgorithm algorithm_;
    std::unique_ptr<State> state_;
};

}  // namespace imgpipe::sigv4
