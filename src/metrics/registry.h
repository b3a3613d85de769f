#pragma once
// Registry: the process's metrics, rendered in the Prometheus text exposition format (0.0.4).
//
// Debian 12 has no prometheus-cpp package, and what imgpipe needs is small: counters and
// histograms with labels, and gauges (or counters kept elsewhere) read at scrape time from a
// callback (queue depth, RSS).
// A family is declared once with its label names; a child per label-value tuple is created on
// first use and lives as long as the registry. Names and units follow the Prometheus naming
// conventions (base units, `_total` on counters, `_seconds`, `_bytes`); the registry checks
// names and label names when a family is declared (a bad one is a programming error: it aborts).
//
// Thread-safe: counters and histograms may be updated from any thread; render() takes a
// consistent-enough snapshot (each child is read atomically, families one after another).
// Keep label values bounded (route patterns, status codes, reasons), never request data.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace imgpipe::metrics {

using LabelValues = std::vector<std::string>;

// One sample of a gauge family: its label values and value.
struct GaugeSample {
    LabelValues labels;
    double value = 0;
};

class Counter {
  public:
    void add(double amount = 1);
    double value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

class Histogram {
  public:
    explicit Histogram(const std::vector<double>& bounds);
    void observe(double value);
    struct Snapshot {
        std::vector<uint64_t> cumulative;  // per bound, then +Inf
        double sum = 0;
        uint64_t count = 0;
    };
    Snapshot snapshot() const;

  private:
    const std::vector<double>& bounds_;
    mutable std::mutex mu_;
    std::vector<uint64_t> counts_;  // per bound, then +Inf; GUARDED_BY(mu_)
    double sum_ = 0;                // GUARDED_BY(mu_)
};

class CounterFamily {
  public:
    // REQUIRES: values.size() == the family's label names' size.
    Counter& with(const LabelValues& values);

  private:
    friend class Registry;
    std::vector<std::string> label_names_;
    mutable std::mutex mu_;
    std::map<LabelValues, std::unique_ptr<Counter>> children_;
};

class HistogramFamily {
  public:
    Histogram& with(const LabelValues& values);

  private:
    friend class Registry;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mu_;
    std::map<LabelValues, std::unique_ptr<Histogram>> children_;
};

// Upper bounds for latencies from 1 ms to ~30 s.
std::vector<double> latency_buckets_seconds();

class Registry {
  public:
    // `name` ends in `_total`. The family lives as long as the registry. A family without labels
    // has its one series from the start, at 0 (histograms too).
    CounterFamily& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
    // `bounds` ascending; +Inf is implied.
    HistogramFamily& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
    // A gauge whose samples `read` returns at each render (called without the registry's lock
    // held; it may block briefly, e.g. on a database query). A failed read returns no samples.
    void gauge(const std::string& name, const std::string& help,
               std::vector<std::string> label_names,
               std::function<std::vector<GaugeSample>()> read);
    // A counter kept elsewhere (the kernel's CPU time), read at each render like a gauge.
    // `name` ends in `_total`.
    void counter_reader(const std::string& name, const std::string& help,
                        std::function<std::vector<GaugeSample>()> read);

    // The text exposition format, families in declaration order.
    std::string render() const;

  private:
    struct Family {
        std::string name;
        std::string help;
        std::string type;  // "counter", "histogram", "gauge"
        std::vector<std::string> label_names;
        CounterFamily* counters = nullptr;
        HistogramFamily* histograms = nullptr;
        std::function<std::vector<GaugeSample>()> read;
    };
    void declare(Family family);

    mutable std::mutex mu_;
    std::vector<Family> families_;  // GUARDED_BY(mu_)
    std::vector<std::unique_ptr<CounterFamily>> counter_families_;
    std::vector<std::unique_ptr<HistogramFamily>> histogram_families_;
};

// Escapes a label value for the exposition format (backslash, quote, newline).
std::string escape_label_value(const std::string& value);
// Formats a sample value: integers without a fraction, +Inf/-Inf/NaN as Prometheus spells them.
std::string format_value(double value);

}  // namespace imgpipe::metrics
