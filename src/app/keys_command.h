#pragma once
// `imgpipe keys create --buckets B[,B] --actions read|write|admin[,...]`, `keys list` and
// `keys revoke ID`, on a data dir's key file (key_file.h). A running server applies the change
// within a fraction of a second.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

void add_keys_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
