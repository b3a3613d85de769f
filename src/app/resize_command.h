#pragma once
// `imgpipe resize IN... --variant 400x400 --variant 200x200:inside:webp --out DIR`: runs the
// image engine on files, for users, scripts and the benchmark. Each output goes to
// DIR/<variant name>/<input file stem><format extension> (the worker's `<variant>/<key>`
// layout); one JSON line per input on stdout reports the variants or the error. Exit status 0
// when every input succeeded, 1 when any failed, 2 on bad usage.

#include <CLI/CLI.hpp>
#include <functional>

namespace imgpipe::app {

// Registers the subcommand; when it is chosen, `action` is set to run it.
void add_resize_command(CLI::App& app, std::function<int()>& action);

}  // namespace imgpipe::app
