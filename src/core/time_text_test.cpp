#include "core/time_text.h"

#include <gtest/gtest.h>

namespace imgpipe {
namespace {

TEST(TimeTextTest, Iso8601TruncatesToTheChosenPrecision) {
    const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045)) +
                   std::chrono::microseconds(999'999);
    EXPECT_EQ(iso8601(t), "2026-01-02T03:04:05Z");
    EXPECT_EQ(iso8601(t, TimePrecision::kMillis), "2026-01-02T03:04:05.999Z");
    EXPECT_EQ(iso8601(std::chrono::system_clock::time_point{}, TimePrecision::kMillis),
              "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace imgpipe
