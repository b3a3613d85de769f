#pragma once
// BlockingBody: the ByteSource a kBlocking handler reads its request body from. read() runs on
// the handler thread: it hands a buffer to the connection's session through `Fetch` (which
// starts an asynchronous socket read on the connection's I/O thread) and blocks until the session
// calls deliver(). Handler reads smaller than kDirectMin go through a staging buffer so that tiny
// reads do not each cost a thread round trip; at most kMaxPiece bytes are requested at once, so
// the body is never held whole. The bytes the server prefetched before the handler started
// (router.h) are handed in as `prefix` and read first, without a fetch. Internal to the server;
// one reader thread plus the delivering I/O thread.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "core/byte_source.h"

namespace imgpipe::http {

class BlockingBody final : public ByteSource {
  public:
    static constexpr size_t kDirectMin = 64 * 1024;
    static constexpr size_t kStagingSize = 256 * 1024;
    static constexpr size_t kMaxPiece = 1024 * 1024;

    // Starts filling `buf` (never empty) asynchronously; the session must then call deliver()
    // exactly once: the count read (> 0), 0 at the end of the body, or an error.
    using Fetch = std::function<void(std::span<char> buf)>;

    explicit BlockingBody(Fetch fetch, std::string prefix = {})
        : fetch_(std::move(fetch)), prefix_(std::move(prefix)) {}

    // Blocks the calling (handler) thread until bytes arrive. kAborted when the client went
    // away or stalled past the body timeout; later reads repeat the same error.
    Result<size_t> read(std::span<char> buf) override;
    // Completes the pending fetch. Any thread.
    void deliver(Result<size_t> result);

  private:
    Result<size_t> fetch_and_wait(std::span<char> target);

    Fetch fetch_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::optional<Result<size_t>> delivered_;  // GUARDED_BY(mu_)

    // Reader-thread state only.
    std::string prefix_;
    size_t prefix_pos_ = 0;
    std::unique_ptr<char[]> staging_;
    size_t staged_pos_ = 0;
    size_t staged_end_ = 0;
    bool ended_ = false;
    Status failed_;
};

}  // namespace imgpipe::http
