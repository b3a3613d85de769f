#include "store/s3/body_spool.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace imgpipe::store::s3 {

Md5::Md5() : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_md5(), nullptr);
}

Md5::~Md5() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Md5::update(std::string_view bytes) {
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

std::string Md5::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &len);
    return {reinterpret_cast<const char*>(digest), len};
}

Result<bool> read_up_to(ByteSource& source, std::string& out, size_t limit) {
    constexpr size_t kChunk = 64 * 1024;
    while (out.size() < limit) {
        size_t old = out.size();
        size_t want = std::min(kChunk, limit - old);
        out.resize(old + want);
        auto n = source.read(std::span<char>(out.data() + old, want));
        if (!n.is_ok()) {
            out.resize(old);
            return n.status();
        }
        out.resize(old + *n);
        if (*n == 0) return true;
    }
    return false;
}

namespace {

Status too_large(uint64_t max_size) {
    return {StatusCode::kResourceExhausted, "EntityTooLarge",
            "body is larger than " + std::to_string(max_size) + " bytes"};
}

// An unlinked temporary file: TMPDIR or /tmp.
int temp_fd() {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/imgpipe-s3-part-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd >= 0) ::unlink(name.data());
    return fd;
}

}  // namespace

Result<std::unique_ptr<BodySpool>> BodySpool::read(ByteSource& source, size_t memory_limit,
                                                   uint64_t max_size) {
    std::unique_ptr<BodySpool> spool(new BodySpool());
    Md5 md5;
    size_t first_limit = static_cast<size_t>(
        std::min<uint64_t>(memory_limit, max_size == UINT64_MAX ? memory_limit : max_size + 1));
    IMGPIPE_ASSIGN_OR_RETURN(bool ended, read_up_to(source, spool->memory_, first_limit));
    spool->size_ = spool->memory_.size();
    if (spool->size_ > max_size) return too_large(max_size);
    md5.update(spool->memory_);
    if (!ended) {
        spool->fd_ = temp_fd();
        if (spool->fd_ < 0) return io_error("cannot create a temporary file for a part");
        if (::write(spool->fd_, spool->memory_.data(), spool->memory_.size()) !=
            static_cast<ssize_t>(spool->memory_.size())) {
            return io_error("cannot write a temporary file for a part");
        }
        spool->memory_.clear();
        std::string chunk;
        for (;;) {
            chunk.clear();
            IMGPIPE_ASSIGN_OR_RETURN(bool done, read_up_to(source, chunk, 1024 * 1024));
            spool->size_ += chunk.size();
            if (spool->size_ > max_size) return too_large(max_size);
            md5.update(chunk);
            if (!chunk.empty() && ::write(spool->fd_, chunk.data(), chunk.size()) !=
                                      static_cast<ssize_t>(chunk.size())) {
                return io_error("cannot write a temporary file for a part");
            }
            if (done) break;
        }
    }
    spool->md5_ = md5.finish();
    return spool;
}

BodySpool::~BodySpool() {
    if (fd_ >= 0) ::close(fd_);
}

RequestBody BodySpool::body() const {
    RequestBody body;
    if (fd_ >= 0) {
        body.fd = fd_;
    } else {
        body.memory = memory_;
    }
    body.size = size_;
    body.md5 = md5_;
    return body;
}

}  // namespace imgpipe::store::s3
