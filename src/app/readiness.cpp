#include "app/readiness.h"

#include <nlohmann/json.hpp>

namespace imgpipe::app {

std::string ReadinessReport::to_json() const {
    nlohmann::json checks_json = nlohmann::json::object();
    for (const auto& c : checks) checks_json[c.name] = c.detail;
    nlohmann::json out = {{"status", ready ? "ready" : "unavailable"}, {"checks", checks_json}};
    return out.dump();
}

Readiness::Readiness(std::string data_dir, FileSystem& fs, queue::EventQueue* queue)
    : probe_path_(std::move(data_dir) + "/.readyz-probe"), fs_(fs), queue_(queue) {}

ReadinessCheck Readiness::check_store() {
    std::lock_guard lock(probe_mu_);
    auto fail = [](const Status& st) {
        // The reason only ("IoError", "DiskFull"); the full message may name paths.
        return ReadinessCheck{"store", false, st.reason().empty() ? "unwritable" : st.reason()};
    };
    auto file = fs_.create_file(probe_path_);
    if (!file.is_ok()) return fail(file.status());
    Status st = (*file)->append("readyz");
    if (st.is_ok()) st = (*file)->sync();
    Status closed = (*file)->close();
    if (st.is_ok()) st = closed;
    // Left behind only if the remove itself fails; the next probe overwrites it.
    Status removed = fs_.remove(probe_path_);
    if (st.is_ok()) st = removed;
    if (!st.is_ok()) return fail(st);
    return {"store", true, "ok"};
}

ReadinessReport Readiness::check() {
    ReadinessReport report;
    report.checks.push_back(check_store());
    if (queue_) {
        auto stats = queue_->stats();
        report.checks.push_back(stats.is_ok() ? ReadinessCheck{"queue", true, "ok"}
                                              : ReadinessCheck{"queue", false, "unreachable"});
    }
    report.checks.push_back(draining_ ? ReadinessCheck{"drain", false, "draining"}
                                      : ReadinessCheck{"drain", true, "ok"});
    report.ready = true;
    for (const auto& c : report.checks) report.ready = report.ready && c.ok;
    return report;
}

}  // namespace imgpipe::app
