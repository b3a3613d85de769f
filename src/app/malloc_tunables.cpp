#include "app/malloc_tunables.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace imgpipe::app {
namespace {

constexpr std::string_view kTcacheCount = "glibc.malloc.tcache_count";
constexpr std::string_view kOurs = "glibc.malloc.tcache_count=64";

}  // namespace

std::optional<std::string> glibc_tunables_with_ours(const char* current) {
    if (current == nullptr || *current == '\0') return std::string(kOurs);
    std::string_view set(current);
    // Tunables are name=value pairs separated by ':'.
    for (size_t start = 0; start <= set.size();) {
        size_t end = set.find(':', start);
        if (end == std::string_view::npos) end = set.size();
        std::string_view pair = set.substr(start, end - start);
        if (pair.substr(0, pair.find('=')) == kTcacheCount) return std::nullopt;
        start = end + 1;
    }
    return std::string(kOurs) + ":" + std::string(set);
}

void reexec_with_malloc_tunables(char** argv) {
    const char* current = std::getenv("GLIBC_TUNABLES");
    auto wanted = glibc_tunables_with_ours(current);
    if (!wanted) return;
    const std::string previous = current == nullptr ? "" : current;
    if (setenv("GLIBC_TUNABLES", wanted->c_str(), 1) != 0) return;
    execv("/proc/self/exe", argv);
    // Still here (no /proc, say): leave the environment as it was for any child processes.
    if (current == nullptr) {
        unsetenv("GLIBC_TUNABLES");
    } else {
        setenv("GLIBC_TUNABLES", previous.c_str(), 1);
    }
}

}  // namespace imgpipe::app
