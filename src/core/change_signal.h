#pragma once
// ChangeSignal: a generation counter that threads can wait on, so a consumer wakes the moment a
// producer commits something (an outbox event, a queued message, a job update) instead of
// polling with a sleep that adds latency. It carries no data: a waiter re-reads the state it
// cares about after every wake, and spurious or coalesced wake-ups are fine. Waits use the real
// steady clock (they are only wake-up hints; leases and expiry go through the injected Clock).
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace imgpipe {

class ChangeSignal {
  public:
    // Starts a new generation and wakes every waiter.
    void notify() {
        {
            std::lock_guard lock(mu_);
            ++generation_;
        }
        cv_.notify_all();
    }

    uint64_t generation() const {
        std::lock_guard lock(mu_);
        return generation_;
    }

    // Waits until the generation differs from `seen` or `timeout` passes; returns the generation
    // then current (pass it as `seen` next time).
    uint64_t wait(uint64_t seen, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, timeout, [&] { return generation_ != seen; });
        return generation_;
    }

  private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    uint64_t generation_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe
