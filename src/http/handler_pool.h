#pragma once
// HandlerPool: the bounded set of threads that run kBlocking handlers and the reads of their
// streamed bodies, so that disk or network waits never stall an I/O thread. Threads start on
// demand up to `max_threads` and then stay; further tasks wait in FIFO order. Internal to the
// server. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace imgpipe::http {

class HandlerPool {
  public:
    explicit HandlerPool(int max_threads);
    ~HandlerPool();  // shutdown()
    HandlerPool(const HandlerPool&) = delete;
    HandlerPool& operator=(const HandlerPool&) = delete;

    // Queues `task`. Tasks must not throw. REQUIRES: shutdown() has not begun.
    void submit(std::function<void()> task);
    // Runs every queued task to its end, then joins the threads. Idempotent.
    void shutdown();

  private:
    void worker_loop();

    const size_t max_threads_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
    std::vector<std::thread> threads_;         // GUARDED_BY(mu_)
    size_t idle_ = 0;                          // GUARDED_BY(mu_)
    bool stopping_ = false;                    // GUARDED_BY(mu_)
};

}  // namespace imgpipe::http
