#include "core/time_text.h"

#include <cstdio>

namespace imgpipe {

std::string iso8601(std::chrono::system_clock::time_point t, TimePrecision precision) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd(day);
    const hh_mm_ss hms(secs - day);
    char buf[40];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
                          static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                          static_cast<int>(hms.minutes().count()),
                          static_cast<int>(hms.seconds().count()));
    if (precision == TimePrecision::kMillis) {
        const auto ms = duration_cast<milliseconds>(t - secs).count();
        n += std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(ms));
    }
    return std::string(buf, static_cast<size_t>(n)) + "Z";
}

}  // namespace imgpipe
