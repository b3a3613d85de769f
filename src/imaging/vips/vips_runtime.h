#pragma once
// Process-wide libvips set-up, done once: vips started, the operation cache off (every job is
// different; a cache only holds memory and shares state between jobs), the untrusted loaders
// blocked (vips_block_untrusted_set), and the per-operation thread count. Parallelism comes from
// running many jobs (and a job's variants) at once, so libvips' own threading stays small and
// N jobs on N cores scale. Thread-safe; later calls with other settings are ignored.

#include "core/status.h"

namespace imgpipe::imaging::vips_impl {

struct VipsRuntimeOptions {
    int concurrency = 1;  // worker threads libvips uses inside one operation
};

// Starts libvips on the first call; returns the start-up status on every call.
Status ensure_vips_started(const VipsRuntimeOptions& options = {});

}  // namespace imgpipe::imaging::vips_impl
