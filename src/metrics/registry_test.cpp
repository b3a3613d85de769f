#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "metrics/process_metrics.h"

namespace imgpipe::metrics {
namespace {

TEST(RegistryTest, CounterRendersHelpTypeAndOneLinePerLabelSet) {
    Registry r;
    auto& requests = r.counter("x_requests_total", "Requests.", {"route", "status"});
    requests.with({"/a", "200"}).add();
    requests.with({"/a", "200"}).add(2);
    requests.with({"/b", "404"}).add();
    EXPECT_EQ(r.render(),
              "# HELP x_requests_total Requests.\n"
              "# TYPE x_requests_total counter\n"
              "x_requests_total{route=\"/a\",status=\"200\"} 3\n"
              "x_requests_total{route=\"/b\",status=\"404\"} 1\n");
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    Registry r;
    auto& h = r.histogram("x_latency_seconds", "Latency.", {}, {0.1, 1});
    h.with({}).observe(0.05);
    h.with({}).observe(0.1);  // on the bound: counts in le="0.1"
    h.with({}).observe(0.5);
    h.with({}).observe(7);
    EXPECT_EQ(r.render(),
              "# HELP x_latency_seconds Latency.\n"
              "# TYPE x_latency_seconds histogram\n"
              "x_latency_seconds_bucket{le=\"0.1\"} 2\n"
              "x_latency_seconds_bucket{le=\"1\"} 3\n"
              "x_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              "x_latency_seconds_sum 7.65\n"
              "x_latency_seconds_count 4\n");
}

TEST(RegistryTest, LabelValuesAreEscaped) {
    Registry r;
    r.counter("x_total", "X.", {"reason"}).with({"a\"b\\c\nd"}).add();
    EXPECT_NE(r.render().find("x_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
        << r.render();
}

TEST(RegistryTest, GaugesAreReadAtRenderTime) {
    Registry r;
    double depth = 1;
    r.gauge("x_queue_messages", "Depth.", {"state"}, [&] {
        return std::vector<GaugeSample>{{{"ready"}, depth}, {{"dead"}, 0}};
    });
    EXPECT_NE(r.render().find("x_queue_messages{state=\"ready\"} 1\n"), std::string::npos);
    depth = 5;
    EXPECT_NE(r.render().find("x_queue_messages{state=\"ready\"} 5\n"), std::string::npos);
}

TEST(RegistryTest, NegativeIncrementsAreIgnored) {
    Registry r;
    auto& c = r.counter("x_total", "X.").with({});
    c.add(2);
    c.add(-1);
    EXPECT_EQ(c.value(), 2);
}

TEST(RegistryTest, ConcurrentIncrementsAreAllCounted) {
    Registry r;
    auto& family = r.counter("x_total", "X.", {"t"});
    auto& h = r.histogram("x_seconds", "X.", {}, {1});
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                family.with({"a"}).add();
                h.with({}).observe(0.5);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(family.with({"a"}).value(), 40000);
    EXPECT_EQ(h.with({}).snapshot().count, 40000u);
}

TEST(RegistryDeathTest, BadNamesAreProgrammingErrors) {
    Registry r;
    EXPECT_DEATH(r.counter("x_requests", "no _total"), "without _total");
    EXPECT_DEATH(r.counter("bad-name_total", "dash"), "bad metric name");
    EXPECT_DEATH(r.histogram("x_seconds", "le", {"le"}, {1}), "bad label name");
    r.counter("x_total", "X.");
    EXPECT_DEATH(r.counter("x_total", "again"), "declared twice");
}

TEST(ProcessMetricsTest, ReportsResidentMemoryAndOpenFds) {
    EXPECT_GT(resident_memory_bytes(), 1 << 20);
    const double before = open_fds();
    FILE* f = std::fopen("/proc/self/status", "r");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(open_fds(), before + 1);
    std::fclose(f);
    EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace imgpipe::metrics
