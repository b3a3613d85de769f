#pragma once
// glibc malloc settings that glibc reads only from the environment (GLIBC_TUNABLES, once, as the
// process starts), applied by the binary re-executing itself once with them added.
//
// The one set: each thread keeps up to 64 freed chunks per small size class, against glibc's
// default 7. A served request frees more than 7 chunks of some sizes (header fields, strings),
// and the logger thread frees every request's log line: past 7, each free and the next malloc
// take the arena's lock and its fastbins, whose consolidation the next large allocation pays.
// Server CPU per cached GET (bench/delivery's URL, wrk -c32) drifted from ~28 to 45-51 us within
// one instance's 30 s of load with glibc's defaults; 23-27 us with this, level. A thread caches at
// most 64 chunks of each of 64 sizes up to 1 KiB (~2 MiB), and only of sizes it frees; the upload
// soak's RSS is ~20% higher for it (docs/RELIABILITY.md). (Replacing malloc was tried:
// tcmalloc gave the same GET figures but the server crashed inside it in the upload soak;
// jemalloc halved image throughput: docs/RELIABILITY.md.)

#include <optional>
#include <string>

namespace imgpipe::app {

// The GLIBC_TUNABLES value to run with, given the current one (null: unset): imgpipe's tunables
// followed by what the user set; nullopt when it names them already (the user's choice stands,
// and a re-executed process stops there).
std::optional<std::string> glibc_tunables_with_ours(const char* current);

// Re-executes this binary (/proc/self/exe) with the same arguments and the tunables added, when
// the environment lacks them. Call first thing in main(), before any thread starts. Returns when
// nothing is to be done, or when the re-execution failed: the process then runs on glibc's
// defaults, only slower.
void reexec_with_malloc_tunables(char** argv);

}  // namespace imgpipe::app
