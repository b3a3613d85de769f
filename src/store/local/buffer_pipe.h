#pragma once
// BufferPipe: hands filled buffers to a consumer that runs on a thread of its own, in order, so
// the thread receiving a large body never stops to hash or write it. For an upload the consumer
// is "MD5, then write(2)": the hash alone runs at ~650 MB/s, so with it beside the receiving
// thread instead of after it, two cores move a large body at the hash's speed, not at the speed
// of hash plus receive plus write in a row.
//
// Buffers circulate: take() hands out an empty buffer (blocking while kDepth are in use),
// submit() queues a filled one, finish() waits until all are consumed. After the consumer fails,
// later buffers are dropped and submit()/finish() return its first error. One producer thread;
// the destructor stops the consumer thread (dropping what is still queued) and joins it.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

namespace imgpipe::store {

class BufferPipe {
  public:
    static constexpr size_t kDepth = 3;  // one being filled, two being consumed or queued
    using Consumer = std::function<Status(std::string_view)>;

    BufferPipe(size_t buffer_size, Consumer consumer);
    ~BufferPipe();
    BufferPipe(const BufferPipe&) = delete;
    BufferPipe& operator=(const BufferPipe&) = delete;

    // An empty buffer of buffer_size bytes.
    std::unique_ptr<char[]> take();
    // Queues the first `n` bytes of `buffer` (which came from take()) for the consumer.
    Status submit(std::unique_ptr<char[]> buffer, size_t n);
    // Waits until every queued buffer is consumed; the consumer's first error, if any.
    Status finish();

  private:
    struct Pending {
        std::unique_ptr<char[]> buffer;
        size_t size;
    };
    void run();

    const size_t buffer_size_;
    const Consumer consumer_;
    std::mutex mu_;
    std::condition_variable changed_;
    std::deque<Pending> queue_;                  // GUARDED_BY(mu_)
    std::vector<std::unique_ptr<char[]>> free_;  // GUARDED_BY(mu_)
    size_t allocated_ = 0;                       // GUARDED_BY(mu_)
    bool consuming_ = false;                     // GUARDED_BY(mu_)
    bool stopping_ = false;                      // GUARDED_BY(mu_)
    Status error_;                               // GUARDED_BY(mu_)
    std::thread thread_;                         // last: starts once the rest is ready
};

}  // namespace imgpipe::store
