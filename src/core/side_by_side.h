#pragma once
// side_by_side: runs a handful of blocking tasks at once — the variants of one image being
// stored, each waiting on its own disk or network round trip — so that their waits overlap
// instead of adding up. Index 0 runs on the calling thread, every other index on a thread of
// its own (std::async); when no thread can be started, the rest run on the calling thread, one
// after another. Meant for a few I/O-bound tasks, not for spreading CPU work (use a pool).
// `task` is called once per index, possibly concurrently, and must not throw.

#include <cstddef>
#include <future>
#include <system_error>
#include <type_traits>
#include <vector>

namespace imgpipe {

// Returns task(0), ..., task(n - 1), in order.
template <typename Task>
auto side_by_side(size_t n, const Task& task) -> std::vector<std::invoke_result_t<Task, size_t>> {
    using R = std::invoke_result_t<Task, size_t>;
    std::vector<std::future<R>> others;
    try {
        for (size_t i = 1; i < n; ++i) others.push_back(std::async(std::launch::async, task, i));
    } catch (const std::system_error&) {
        // No thread to be had: what did start is awaited below, the rest run here.
    }
    std::vector<R> results;
    results.reserve(n);
    if (n > 0) results.push_back(task(0));
    for (auto& f : others) results.push_back(f.get());
    for (size_t i = results.size(); i < n; ++i) results.push_back(task(i));
    return results;
}

}  // namespace imgpipe
