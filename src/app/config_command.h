#pragma once
// `imgpipe config print`: the effective settings (serve's flags, the environment and --config
// layered as `imgpipe serve` would), each with its source, secrets redacted; exit 2 with the
// errors when the configuration is invalid. `imgpipe config markdown`: README.md's table.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_config_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
