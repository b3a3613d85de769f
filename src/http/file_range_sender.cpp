#include "http/file_range_sender.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

namespace imgpipe::http {
namespace {

constexpr size_t kMinChunk = 16 << 10;

// What the socket's send buffer has room for now: its size less what is queued in it. The
// kernel counts a little overhead per packet against the size, so this is a slight overestimate;
// the send then takes all but a few KiB.
size_t socket_room(int socket) {
    int size = 0;
    int queued = 0;
    socklen_t len = sizeof size;
    if (::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, &len) != 0 ||
        ::ioctl(socket, SIOCOUTQ, &queued) != 0) {
        return SendBuffers::kSize;
    }
    return size > queued ? static_cast<size_t>(size - queued) : 0;
}

Status errno_status(const char* what, int err) {
    return internal_error(std::string(what) + ": " + std::strerror(err));
}

}  // namespace

SendBuffers::Lease SendBuffers::take() {
    std::unique_ptr<char[]> buffer;
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            buffer = std::move(idle_.back());
            idle_.pop_back();
        }
    }
    if (!buffer) buffer = std::make_unique_for_overwrite<char[]>(kSize);
    return Lease(*this, std::move(buffer));
}

void SendBuffers::give(std::unique_ptr<char[]> buffer) {
    std::lock_guard lock(mu_);
    if (idle_.size() < keep_) idle_.push_back(std::move(buffer));  // never grows: reserved
}

size_t SendBuffers::idle() const {
    std::lock_guard lock(mu_);
    return idle_.size();
}

Result<FileRangeSender::Progress> FileRangeSender::burst() try {
    if (sent_ == range_.length) return Progress::kDone;  // an empty range needs no buffer
    const SendBuffers::Lease buffer = buffers_.take();
    while (sent_ < range_.length) {
        const size_t want = std::min<uint64_t>(
            {range_.length - sent_, SendBuffers::kSize, std::max(socket_room(socket_), kMinChunk)});
        const ssize_t n =
            ::pread(range_.fd, buffer.data(), want, static_cast<off_t>(range_.offset + sent_));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_status("reading the file", errno);
        if (n == 0) {
            return Status(StatusCode::kDataLoss, "DataLoss", "the file ends before its range");
        }
        for (size_t pos = 0; pos < static_cast<size_t>(n);) {
            const ssize_t s = ::send(socket_, buffer.data() + pos, static_cast<size_t>(n) - pos,
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (s < 0 && errno == EINTR) continue;
            // The bytes of this chunk not sent yet are read again by the next burst.
            if (s < 0 && errno == EAGAIN) return Progress::kSocketFull;
            if (s < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                return Status(StatusCode::kAborted, "ClientGone", "the client went away");
            }
            if (s < 0) return errno_status("sending", errno);
            pos += static_cast<size_t>(s);
            sent_ += static_cast<uint64_t>(s);
        }
    }
    return Progress::kDone;
} catch (const std::bad_alloc&) {
    return Status(StatusCode::kResourceExhausted, "OutOfMemory", "no buffer to send a file with");
}

}  // namespace imgpipe::http
