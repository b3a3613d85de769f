#pragma once
// Process-wide libvips set-up, done once: vips started, the operation cache off (every job is
// different; a cache only holds memory and shares state between jobs), the untrusted loaders
// blocked (vips_block_untrusted_set), and the per-operation thread count. Parallelism comes from
// running many jobs (and a job's variants) at once, so libvips' own threading stays small and
// N jobs on N cores scale. Thread-safe; later calls with other settings are ignored.
//
// It also tunes glibc's malloc for the process: buffers up to 32 MiB (a decoded image, a
// resampler's strips) come from the heap rather than a fresh mmap, and up to 64 MiB of free
// memory at the top of a heap is kept rather than handed back to the kernel after every job.
// Otherwise each job faults its megabytes of buffers in afresh, page by page: measured on a
// 2725x2225 photo, that was a third of the job's time (the resampler's 9 ms became 2.5 ms). The
// cost is resident memory that stays near its high-water mark between jobs, per malloc arena
// (glibc makes up to 8 per core), fragmentation included.

#include "core/status.h"

namespace imgpipe::imaging::vips_impl {

struct VipsRuntimeOptions {
    int concurrency = 1;  // worker threads libvips uses inside one operation
};

// Starts libvips on the first call; returns the start-up status on every call.
Status ensure_vips_started(const VipsRuntimeOptions& options = {});

}  // namespace imgpipe::imaging::vips_impl
