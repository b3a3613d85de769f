#pragma once
// How the Redis queue and job store write times: nanoseconds since the epoch as decimal strings
// where a time must round-trip exactly (published, died, updated), and microseconds as sorted-set
// scores, which are doubles (exact for microseconds until the year 2255). Pure functions.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace imgpipe::queue::redis {

using TimePoint = std::chrono::system_clock::time_point;

inline int64_t nanos_since_epoch(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline std::string ns_text(TimePoint t) { return std::to_string(nanos_since_epoch(t)); }

// Rounded down: "now" never reaches a due time early.
inline std::string us_floor_text(TimePoint t) {
    return std::to_string(
        std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count());
}
// Rounded up: a due time or lease end is never reached early.
inline std::string us_ceil_text(TimePoint t) {
    return std::to_string(
        std::chrono::ceil<std::chrono::microseconds>(t.time_since_epoch()).count());
}

// `now + d`, with d clamped to [0, 100 years] so that the sum cannot overflow.
inline TimePoint after(TimePoint now, std::chrono::milliseconds d) {
    constexpr auto kMax = std::chrono::hours(24 * 365 * 100);
    return now + std::clamp<std::chrono::milliseconds>(d, std::chrono::milliseconds(0), kMax);
}

// A time written by ns_text; nullopt for anything else.
std::optional<TimePoint> parse_ns_text(const std::string& s);
// A score as Redis prints it ("1700000000000000", or in exponent form), read as microseconds.
std::optional<TimePoint> parse_us_score(const std::string& s);

}  // namespace imgpipe::queue::redis
