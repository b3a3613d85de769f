#pragma once
// Process metrics: what the kernel says about this process (Linux /proc/self), registered as
// gauges in the names of the Prometheus client libraries' standard process collector, so that
// existing dashboards work: process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_cpu_seconds_total, process_start_time_seconds.

#include "metrics/registry.h"

namespace imgpipe::metrics {

void register_process_metrics(Registry& registry);

// Resident set size in bytes, 0 if unknown.
double resident_memory_bytes();
// Open file descriptors, -1 if unknown.
double open_fds();

}  // namespace imgpipe::metrics
