#pragma once
// `imgpipe jobs`: look at and replay the resize jobs of a data dir, while the server runs or not
// (SQLite lets both at once):
//   imgpipe jobs list [--state pending|processing|done|failed] [--limit N]
//   imgpipe jobs show ID        the job as JSON, as GET /images/{id} shows it
//   imgpipe jobs retry ID       back to pending and onto the queue (a failed or done job)
//   imgpipe jobs dead           queue messages that ran out of deliveries
// Each takes --data-dir and --config like `serve`, and the same environment variables.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_jobs_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
