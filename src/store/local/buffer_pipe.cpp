#include "store/local/buffer_pipe.h"

namespace imgpipe::store {

BufferPipe::BufferPipe(size_t buffer_size, Consumer consumer)
    : buffer_size_(buffer_size), consumer_(std::move(consumer)), thread_([this] { run(); }) {}

BufferPipe::~BufferPipe() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

std::unique_ptr<char[]> BufferPipe::take() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !free_.empty() || allocated_ < kDepth; });
    if (free_.empty()) {
        ++allocated_;
        return std::unique_ptr<char[]>(new char[buffer_size_]);
    }
    auto buffer = std::move(free_.back());
    free_.pop_back();
    return buffer;
}

Status BufferPipe::submit(std::unique_ptr<char[]> buffer, size_t n) {
    {
        std::lock_guard lock(mu_);
        if (!error_.is_ok()) {
            free_.push_back(std::move(buffer));
            return error_;
        }
        queue_.push_back({std::move(buffer), n});
    }
    changed_.notify_all();
    return Status::ok();
}

Status BufferPipe::finish() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return queue_.empty() && !consuming_; });
    return error_;
}

void BufferPipe::run() {
    std::unique_lock lock(mu_);
    for (;;) {
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        Pending next = std::move(queue_.front());
        queue_.pop_front();
        const bool failed = !error_.is_ok();
        consuming_ = true;
        lock.unlock();
        Status consumed = failed ? Status::ok() : consumer_({next.buffer.get(), next.size});
        lock.lock();
        consuming_ = false;
        if (!consumed.is_ok() && error_.is_ok()) error_ = std::move(consumed);
        free_.push_back(std::move(next.buffer));
        changed_.notify_all();
    }
}

}  // namespace imgpipe::store
