#include "metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

namespace imgpipe::metrics {
namespace {

bool valid_metric_name(const std::string& name) {
    static const std::regex kName("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
    return std::regex_match(name, kName);
}

bool valid_label_name(const std::string& name) {
    static const std::regex kLabel("^[a-zA-Z_][a-zA-Z0-9_]*$");
    return std::regex_match(name, kLabel) && name.rfind("__", 0) != 0 && name != "le";
}

[[noreturn]] void misuse(const std::string& what) {
    std::fprintf(stderr, "metrics registry misuse: %s\n", what.c_str());
    std::abort();
}

std::string escape_help(const std::string& help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// `{a="x",b="y"}` (with `extra` appended, for `le`), or "" when there are no labels.
std::string label_text(const std::vector<std::string>& names, const LabelValues& values,
                       const std::string& extra = "") {
    std::string out;
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
        out += (out.empty() ? "" : ",") + names[i] + "=\"" + escape_label_value(values[i]) + "\"";
    }
    if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
    return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

std::string escape_label_value(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    // The shortest of 15..17 significant digits that reads back as the same double.
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    return buf;
}

std::vector<double> latency_buckets_seconds() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

void Counter::add(double amount) {
    // Counters only go up; a negative amount is a caller bug that would break rate().
    if (!(amount >= 0)) return;
    double old = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(old, old + amount, std::memory_order_relaxed)) {
    }
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
    size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    std::lock_guard lock(mu_);
    ++counts_[i];
    sum_ += value;
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    std::lock_guard lock(mu_);
    uint64_t running = 0;
    for (uint64_t c : counts_) {
        running += c;
        s.cumulative.push_back(running);
    }
    s.count = running;
    s.sum = sum_;
    return s;
}

Counter& CounterFamily::with(const LabelValues& values) {
    if (values.size() != label_names_.size()) misuse("wrong number of label values");
    std::lock_guard lock(mu_);
    auto& child = children_[values];
    if (!child) child = std::make_unique<Counter>();
    return *child;
}

Histogram& HistogramFamily::with(const LabelValues& values) {
    if (values.size() != label_names_.size()) misuse("wrong number of label values");
    std::lock_guard lock(mu_);
    auto& child = children_[values];
    if (!child) child = std::make_unique<Histogram>(bounds_);
    return *child;
}

void Registry::declare(Family family) {
    if (!valid_metric_name(family.name)) misuse("bad metric name " + family.name);
    for (const auto& l : family.label_names) {
        if (!valid_label_name(l)) misuse("bad label name " + l + " of " + family.name);
    }
    std::lock_guard lock(mu_);
    for (const auto& f : families_) {
        if (f.name == family.name) misuse("metric declared twice: " + family.name);
    }
    families_.push_back(std::move(family));
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) {
        misuse("counter name without _total: " + name);
    }
    auto family = std::make_unique<CounterFamily>();
    family->label_names_ = label_names;
    CounterFamily* raw = family.get();
    const bool unlabelled = label_names.empty();
    declare({name, help, "counter", std::move(label_names), raw, nullptr, nullptr});
    // An unlabelled series exists from the start (0), so a rate() over it has a first point.
    if (unlabelled) raw->with({});
    std::lock_guard lock(mu_);
    counter_families_.push_back(std::move(family));
    return *raw;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
    for (size_t i = 1; i < bounds.size(); ++i) {
        if (!(bounds[i - 1] < bounds[i])) misuse("histogram bounds not ascending: " + name);
    }
    auto family = std::make_unique<HistogramFamily>();
    family->label_names_ = label_names;
    family->bounds_ = std::move(bounds);
    HistogramFamily* raw = family.get();
    const bool unlabelled = label_names.empty();
    declare({name, help, "histogram", std::move(label_names), nullptr, raw, nullptr});
    if (unlabelled) raw->with({});
    std::lock_guard lock(mu_);
    histogram_families_.push_back(std::move(family));
    return *raw;
}

void Registry::gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names,
                     std::function<std::vector<GaugeSample>()> read) {
    declare({name, help, "gauge", std::move(label_names), nullptr, nullptr, std::move(read)});
}

void Registry::counter_reader(const std::string& name, const std::string& help,
                              std::function<std::vector<GaugeSample>()> read) {
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0) {
        misuse("counter name without _total: " + name);
    }
    declare({name, help, "counter", {}, nullptr, nullptr, std::move(read)});
}

std::string Registry::render() const {
    std::vector<const Family*> families;
    {
        std::lock_guard lock(mu_);
        for (const auto& f : families_) families.push_back(&f);
    }
    // Families are never removed, and a vector element's address is stable only while nothing
    // is appended: declarations happen at startup, before anything renders.
    std::string out;
    for (const Family* f : families) {
        out += "# HELP " + f->name + " " + escape_help(f->help) + "\n";
        out += "# TYPE " + f->name + " " + f->type + "\n";
        if (f->counters) {
            std::lock_guard lock(f->counters->mu_);
            for (const auto& [values, c] : f->counters->children_) {
                out += f->name + label_text(f->label_names, values) + " " +
                       format_value(c->value()) + "\n";
            }
        } else if (f->histograms) {
            std::lock_guard lock(f->histograms->mu_);
            const auto& bounds = f->histograms->bounds_;
            for (const auto& [values, h] : f->histograms->children_) {
                auto s = h->snapshot();
                for (size_t i = 0; i <= bounds.size(); ++i) {
                    std::string le = i < bounds.size() ? format_value(bounds[i]) : "+Inf";
                    out += f->name + "_bucket" +
                           label_text(f->label_names, values, "le=\"" + le + "\"") + " " +
                           std::to_string(s.cumulative[i]) + "\n";
                }
                out += f->name + "_sum" + label_text(f->label_names, values) + " " +
                       format_value(s.sum) + "\n";
                out += f->name + "_count" + label_text(f->label_names, values) + " " +
                       std::to_string(s.count) + "\n";
            }
        } else if (f->read) {
            for (const auto& sample : f->read()) {
                if (sample.labels.size() != f->label_names.size()) continue;
                out += f->name + label_text(f->label_names, sample.labels) + " " +
                       format_value(sample.value) + "\n";
            }
        }
    }
    return out;
}

}  // namespace imgpipe::metrics
