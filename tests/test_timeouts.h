#pragma once
// How long a test waits for something that should happen promptly before it calls it a failure.
// Sanitizer builds run several times slower (ThreadSanitizer 5-15x) and CI shares its machine,
// so a bound that is generous natively can be too short there. These bounds never decide what a
// test checks, only how long it waits before giving up on it, so they are scaled: by
// IMGPIPE_TEST_TIMEOUT_SCALE when set (a positive integer; scripts/run-tests.sh sets it for the
// sanitizer stages), else by 10 under ThreadSanitizer, 4 under AddressSanitizer and 1 otherwise.
// Header-only; tests only. Thread-safe (reads the environment, which tests do not change).

#include <chrono>
#include <cstdlib>

namespace imgpipe {

inline int test_timeout_scale() {
    if (const char* env = std::getenv("IMGPIPE_TEST_TIMEOUT_SCALE"); env != nullptr) {
        if (int n = std::atoi(env); n > 0) return n;
    }
#if defined(__SANITIZE_THREAD__)
    return 10;
#elif defined(__SANITIZE_ADDRESS__)
    return 4;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return 10;
#elif __has_feature(address_sanitizer)
    return 4;
#else
    return 1;
#endif
#else
    return 1;
#endif
}

// `t` scaled as above: the longest a test waits for something that should happen promptly.
template <class Rep, class Period>
std::chrono::milliseconds test_timeout(std::chrono::duration<Rep, Period> t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t) * test_timeout_scale();
}

}  // namespace imgpipe
