#pragma once
// Clock: the source of time for everything that expires, leases, backs off or stamps. Real code
// gets SystemClock; tests get FakeClock and move time by hand instead of sleeping.
// Implementations are thread-safe.

#include <atomic>
#include <chrono>

namespace imgpipe {

class Clock {
  public:
    virtual ~Clock() = default;
    // Wall-clock time (for signatures, expiry, Last-Modified).
    virtual std::chrono::system_clock::time_point now() const = 0;
    // Monotonic time (for timeouts and durations).
    virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
  public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::now();
    }
    // The process-wide instance.
    static SystemClock& instance() {
        static SystemClock clock;
        return clock;
    }
};

// A clock that moves only when told to. Both time lines advance together.
class FakeClock final : public Clock {
  public:
    explicit FakeClock(
        std::chrono::system_clock::time_point start =
            std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)))
        : offset_ns_(0), start_(start) {}

    std::chrono::system_clock::time_point now() const override {
        return start_ + std::chrono::nanoseconds(offset_ns_.load());
    }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(offset_ns_.load()));
    }
    void advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }

  private:
    std::atomic<long long> offset_ns_;
    std::chrono::system_clock::time_point start_;
};

}  // namespace imgpipe
