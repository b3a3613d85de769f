#pragma once
// HandlerPool: the bounded set of threads that run kBlocking handlers and the reads of their
// streamed bodies, so that disk or network waits never stall an I/O thread. Threads start on
// demand up to `max_threads` and then stay; further tasks wait in FIFO order. New requests enter
// through try_submit, which refuses once `max_queued` tasks are already waiting for a thread (the
// server then sheds the request with 503), so the line never grows without bound; work of a
// request already admitted (its response body) enters through submit and is never refused.
// Internal to the server. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgpipe::http {

class HandlerPool {
  public:
    // Its threads are named `thread_name` (core/thread_name.h).
    HandlerPool(std::string thread_name, int max_threads, size_t max_queued);
    ~HandlerPool();  // shutdown()
    HandlerPool(const HandlerPool&) = delete;
    HandlerPool& operator=(const HandlerPool&) = delete;

    // Queues `task`. Tasks must not throw. REQUIRES: shutdown() has not begun.
    void submit(std::function<void()> task);
    // Queues `task` unless max_queued tasks already wait for a thread; false (task dropped) then.
    [[nodiscard]] bool try_submit(std::function<void()> task);
    // Runs every queued task to its end, then joins the threads. Idempotent.
    void shutdown();

  private:
    void worker_loop();
    void enqueue(std::function<void()> task);  // REQUIRES: mu_ held

    const std::string thread_name_;
    const size_t max_threads_;
    const size_t max_queued_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
    std::vector<std::thread> threads_;         // GUARDED_BY(mu_)
    size_t idle_ = 0;                          // GUARDED_BY(mu_)
    size_t running_ = 0;                       // GUARDED_BY(mu_): tasks being run
    bool stopping_ = false;                    // GUARDED_BY(mu_)
};

}  // namespace imgpipe::http
