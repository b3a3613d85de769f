#pragma once
// FileRangeSender: sends a range of an open file to a socket, reading it with pread(2) in chunks
// of up to 2 MiB and handing each chunk straight to send(2). The session drives it in bursts:
// burst() reads the disk (a blocking route runs it on the handler pool, an inline route on its
// I/O thread) and returns when the range is sent, when the socket is full (the session then
// waits until the socket is writable and calls it again) or on failure.
//
// Why not sendfile(2): on the VM imgpipe is built and benchmarked on, sendfile hands TCP 64 KiB
// at a time through a pipe, and reading 2 MiB and sending it whole is far faster despite the
// extra copy (README, "Measured"). Readahead is the kernel's own: for 2 MiB sequential reads it
// reads further ahead than explicit POSIX_FADV_WILLNEED calls did, which measured slower.
//
// A chunk the socket took only in part is not kept while the session waits: the next burst reads
// the unsent bytes again (usually from the page cache), so a slow or stalled client holds no
// buffer; only bursts in progress do. To keep those re-reads small, each chunk is sized to the
// room the socket's send buffer has left (a burst's first chunk is 16 KiB at least; a later one
// waits for the next burst rather than be smaller), so a slow client's bursts read about what
// its socket takes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/byte_source.h"
#include "core/result.h"

namespace imgpipe::http {

// A thread-safe cache of chunk buffers for FileRangeSender, so that serving large objects does
// not fault in fresh memory for every burst. Buffers in use are bounded by the bursts running at
// once (at most handler threads + I/O threads); idle ones by `keep`.
class SendBuffers {
  public:
    static constexpr size_t kSize = 2 << 20;

    // A buffer of kSize bytes, returned to the cache when the lease ends.
    class Lease {
      public:
        Lease(SendBuffers& owner, std::unique_ptr<char[]> buffer)
            : owner_(owner), buffer_(std::move(buffer)) {}
        ~Lease() { owner_.give(std::move(buffer_)); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        char* data() const { return buffer_.get(); }

      private:
        SendBuffers& owner_;
        std::unique_ptr<char[]> buffer_;
    };

    explicit SendBuffers(size_t keep) : keep_(keep) { idle_.reserve(keep); }
    // An idle buffer if there is one, else a new one. Throws std::bad_alloc as `new` does.
    Lease take();
    size_t idle() const;

  private:
    void give(std::unique_ptr<char[]> buffer);  // keeps it if fewer than `keep` are idle

    const size_t keep_;
    mutable std::mutex mu_;
    std::vector<std::unique_ptr<char[]>> idle_;  // GUARDED_BY(mu_)
};

class FileRangeSender {
  public:
    enum class Progress { kDone, kSocketFull };

    // REQUIRES: the range's bytes do not change while it is sent (stored objects are immutable
    // files); `socket` is a connected stream socket; both outlive this object. The socket may be
    // blocking or not: sends never wait.
    FileRangeSender(ByteSource::FileRange range, int socket, SendBuffers& buffers)
        : range_(range), socket_(socket), buffers_(buffers) {}

    // Sends until the range is done or the socket is full. Failures: kAborted when the peer went
    // away (never a SIGPIPE), kDataLoss when the file ends before the range does,
    // kResourceExhausted when no buffer can be had, kInternal for any other read or send error.
    // One thread at a time.
    Result<Progress> burst();
    // Bytes of the range sent so far.
    uint64_t sent() const { return sent_; }

  private:
    ByteSource::FileRange range_;
    int socket_;
    SendBuffers& buffers_;
    uint64_t sent_ = 0;
};

}  // namespace imgpipe::http
