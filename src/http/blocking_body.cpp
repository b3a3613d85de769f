#include "http/blocking_body.h"

#include <algorithm>
#include <cstring>

namespace imgpipe::http {

Result<size_t> BlockingBody::read(std::span<char> buf) {
    if (prefix_pos_ < prefix_.size()) {
        size_t n = std::min(buf.size(), prefix_.size() - prefix_pos_);
        std::memcpy(buf.data(), prefix_.data() + prefix_pos_, n);
        prefix_pos_ += n;
        if (prefix_pos_ == prefix_.size()) std::string().swap(prefix_);  // give the memory back
        return n;
    }
    if (staged_pos_ < staged_end_) {
        size_t n = std::min(buf.size(), staged_end_ - staged_pos_);
        std::memcpy(buf.data(), staging_.get() + staged_pos_, n);
        staged_pos_ += n;
        return n;
    }
    if (!failed_.is_ok()) return failed_;
    if (ended_ || buf.empty()) return size_t{0};

    if (buf.size() >= kDirectMin) {
        return fetch_and_wait(buf.first(std::min(buf.size(), kMaxPiece)));
    }
    if (!staging_) staging_ = std::make_unique_for_overwrite<char[]>(kStagingSize);
    auto got = fetch_and_wait(std::span<char>(staging_.get(), kStagingSize));
    if (!got.is_ok() || *got == 0) return got;
    staged_pos_ = 0;
    staged_end_ = *got;
    return read(buf);
}

Result<size_t> BlockingBody::fetch_and_wait(std::span<char> target) {
    fetch_(target);
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return delivered_.has_value(); });
    Result<size_t> result = std::move(*delivered_);
    delivered_.reset();
    lock.unlock();
    if (!result.is_ok()) {
        failed_ = result.status();
    } else if (*result == 0) {
        ended_ = true;
    }
    return result;
}

void BlockingBody::deliver(Result<size_t> result) {
    // Notify under the lock: once the reader sees delivered_ it may return and destroy this
    // body (the handler is done with it), which must not happen while notify_one() is still
    // running on the condition variable. Found by TSan (blocking_body_test).
    std::lock_guard lock(mu_);
    delivered_ = std::move(result);
    cv_.notify_one();
}

}  // namespace imgpipe::http
