#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace imgpipe::metrics {
namespace {

// /proc/self/statm: sizes in pages; field 1 is the virtual size, field 2 the resident set.
std::pair<double, double> statm_bytes() {
    std::ifstream in("/proc/self/statm");
    double vsize = 0, rss = 0;
    if (!(in >> vsize >> rss)) return {0, 0};
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    return {vsize * page, rss * page};
}

double cpu_seconds() {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double max_fds() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(limit.rlim_cur);
}

const double kStartTime =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

std::vector<GaugeSample> one(double value) { return {GaugeSample{{}, value}}; }

}  // namespace

double resident_memory_bytes() { return statm_bytes().second; }

double open_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    double n = 0;
    while (dirent* e = readdir(dir)) {
        if (e->d_name[0] != '.') ++n;
    }
    closedir(dir);
    return n - 1;  // the directory stream's own descriptor
}

void register_process_metrics(Registry& registry) {
    registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                   [] { return one(resident_memory_bytes()); });
    registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                   [] { return one(statm_bytes().first); });
    registry.gauge("process_open_fds", "Number of open file descriptors.", {},
                   [] { return one(open_fds()); });
    registry.gauge("process_max_fds", "Maximum number of open file descriptors.", {},
                   [] { return one(max_fds()); });
    registry.counter_reader("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.",
                            [] { return one(cpu_seconds()); });
    registry.gauge("process_start_time_seconds",
                   "Start time of the process since the Unix epoch in seconds.", {},
                   [] { return one(kStartTime); });
}

}  // namespace imgpipe::metrics
