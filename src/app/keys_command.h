#pragma once
// `imgpipe keys create --buckets B[,B] --actions read|write|admin[,...]`, `keys list` and
// `keys revoke ID`, on a data dir's key file (key_file.h). A running server applies the change
// within a fraction of a second. `imgpipe keys show [--data-dir DIR] [--config FILE]` prints the
// embedded store's root access key and secret key (`access_key=...`, `secret_key=...`): the
// configured ones when set, else those `imgpipe serve` generated into <data_dir>/credentials.
// The root secret appears only there, never in the server's output.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_keys_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
