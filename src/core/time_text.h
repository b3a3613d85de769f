#pragma once
// ISO 8601 UTC timestamps as AWS writes them: "2026-11-27T01:02:03Z" (POST policy expirations,
// the upload API's expiresAt) or, with milliseconds, "2026-11-27T01:02:03.000Z" (S3 XML, logs).
// Truncated, never rounded. Pure functions.

#include <chrono>
#include <string>

namespace imgpipe {

enum class TimePrecision { kSeconds, kMillis };

std::string iso8601(std::chrono::system_clock::time_point t,
                    TimePrecision precision = TimePrecision::kSeconds);

}  // namespace imgpipe
