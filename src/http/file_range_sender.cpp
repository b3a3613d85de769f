#include "http/file_range_sender.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace imgpipe::http {

std::unique_ptr<char[]> SendBuffers::take() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto buffer = std::move(idle_.back());
            idle_.pop_back();
            return buffer;
        }
    }
    return std::make_unique_for_overwrite<char[]>(kChunk);
}

void SendBuffers::give(std::unique_ptr<char[]> buffer) {
    std::lock_guard lock(mu_);
    if (idle_.size() < keep_) idle_.push_back(std::move(buffer));
}

size_t SendBuffers::idle() const {
    std::lock_guard lock(mu_);
    return idle_.size();
}

int FileRangeSender::burst() {
    if (sent_ == range_.length) return 0;  // an empty range needs no buffer
    struct Lease {  // the chunk buffer goes back to the cache however the burst ends
        SendBuffers& from;
        std::unique_ptr<char[]> buffer = from.take();
        ~Lease() { from.give(std::move(buffer)); }
    } lease{buffers_};
    char* const buf = lease.buffer.get();
    while (sent_ < range_.length) {
        const auto offset = static_cast<off_t>(range_.offset + sent_);
        const ssize_t n = ::pread(
            range_.fd, buf, std::min<uint64_t>(range_.length - sent_, SendBuffers::kChunk), offset);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            return n == 0 ? EIO : errno;
        }
        for (size_t pos = 0; pos < static_cast<size_t>(n);) {
            const ssize_t s = ::send(socket_, buf + pos, static_cast<size_t>(n) - pos,
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (s < 0) {
                if (errno == EINTR) continue;
                // EAGAIN included: the bytes of this chunk not yet sent are read again next time.
                return errno == EWOULDBLOCK ? EAGAIN : errno;
            }
            pos += static_cast<size_t>(s);
            sent_ += static_cast<uint64_t>(s);
        }
    }
    return 0;
}

}  // namespace imgpipe::http
