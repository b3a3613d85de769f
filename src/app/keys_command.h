#pragma once
// `imgpipe keys show [--data-dir DIR] [--config FILE]`: prints the embedded store's root access
// key and secret key, as `access_key=...` and `secret_key=...` lines — the configured ones when
// set (IMGPIPE_ACCESS_KEY / IMGPIPE_SECRET_KEY, --config), else those `imgpipe serve` generated
// into <data_dir>/credentials. The secret appears only here, never in the server's output.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_keys_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
