#pragma once
// `imgpipe serve`: loads the configuration, opens the data dir, starts the requested roles and
// runs until SIGTERM/SIGINT, then drains and exits 0. The only place that names concrete
// implementations (LocalObjectStore, S3Service, the upload API) and wires them together.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

// Registers the subcommand; when it is chosen, `action` is set to run it.
void add_serve_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
