#include "queue/redis/redis_time.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace imgpipe::queue::redis {

std::optional<TimePoint> parse_ns_text(const std::string& s) {
    int64_t ns = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ns);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

std::optional<TimePoint> parse_us_score(const std::string& s) {
    char* end = nullptr;
    const double us = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(us)) return std::nullopt;
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::microseconds(std::llround(us))));
}

}  // namespace imgpipe::queue::redis
