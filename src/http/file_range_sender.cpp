#include "http/file_range_sender.h"

#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

namespace imgpipe::http {
namespace {

// The least a burst's first chunk reads, whatever room the socket reports. The session calls
// burst() only once the kernel says the socket is writable, so that send takes some of it (any
// rest is read again next time) and every burst makes progress; later chunks of a burst that
// would be smaller than this wait for the next one instead.
constexpr size_t kMinChunk = 16 << 10;

// What the socket's send buffer has room for now: its size less what is queued in it, both as
// the kernel accounts them (payload plus per-packet overhead) for TCP and Unix sockets alike.
// Without SO_MEMINFO (Linux before 4.6) the room is unknown, and a whole chunk is read.
size_t socket_room(int socket) {
    uint32_t mem[SK_MEMINFO_VARS] = {};
    socklen_t len = sizeof mem;
    if (::getsockopt(socket, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0 ||
        len < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1)) {
        return SendBuffers::kSize;
    }
    const uint32_t queued = std::max(mem[SK_MEMINFO_WMEM_QUEUED], mem[SK_MEMINFO_WMEM_ALLOC]);
    return mem[SK_MEMINFO_SNDBUF] > queued ? mem[SK_MEMINFO_SNDBUF] - queued : 0;
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
    bool first = true;  // no chunk of this burst sent yet
    while (sent_ < range_.length) {
        // Read no more than the socket can take now, so that little is read twice; after the
        // first chunk, a socket with less room than kMinChunk counts as full.
        size_t room = socket_room(socket_);
        if (room < kMinChunk) {
            if (!first) return Progress::kSocketFull;
            room = kMinChunk;
        }
        const size_t want = std::min<uint64_t>({range_.length - sent_, SendBuffers::kSize, room});
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
        first = false;
    }
    return Progress::kDone;
} catch (const std::bad_alloc&) {
    // Short strings, so that building the status allocates nothing.
    return Status(StatusCode::kResourceExhausted, "OutOfMemory", "out of memory");
}

}  // namespace imgpipe::http
