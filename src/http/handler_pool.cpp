#include "http/handler_pool.h"

#include <algorithm>
#include <utility>

#include "core/thread_name.h"

namespace imgpipe::http {

HandlerPool::HandlerPool(std::string thread_name, int max_threads, size_t max_queued)
    : thread_name_(std::move(thread_name)),
      max_threads_(static_cast<size_t>(std::max(1, max_threads))),
      max_queued_(max_queued) {}

HandlerPool::~HandlerPool() { shutdown(); }

void HandlerPool::submit(std::function<void()> task) {
    std::lock_guard lock(mu_);
    enqueue(std::move(task));
}

bool HandlerPool::try_submit(std::function<void()> task) {
    std::lock_guard lock(mu_);
    // Tasks a free thread (idle, or still to be started) will take at once do not wait.
    const size_t free = max_threads_ - running_;
    const size_t waiting = tasks_.size() > free ? tasks_.size() - free : 0;
    if (waiting >= max_queued_) return false;
    enqueue(std::move(task));
    return true;
}

void HandlerPool::enqueue(std::function<void()> task) {
    tasks_.push_back(std::move(task));
    // A new thread only when no idle one can take the task: threads are cheap to keep but a
    // pool of 64 started eagerly would sit mostly unused.
    if (idle_ < tasks_.size() && threads_.size() < max_threads_) {
        threads_.emplace_back([this] { worker_loop(); });
    } else {
        cv_.notify_one();
    }
}

void HandlerPool::worker_loop() {
    name_this_thread(thread_name_);
    std::unique_lock lock(mu_);
    while (true) {
        ++idle_;
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        --idle_;
        if (tasks_.empty()) return;  // stopping and nothing left
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        ++running_;
        lock.unlock();
        task();
        lock.lock();
        --running_;
    }
}

void HandlerPool::shutdown() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
}

}  // namespace imgpipe::http
