// imgpipe: the one binary. `imgpipe serve` runs the roles; `imgpipe resize` runs the image engine
// on files; `imgpipe jobs` looks at and retries resize jobs; `imgpipe config` shows the settings;
// `imgpipe keys` shows the root credentials and manages access keys; `imgpipe store setup`
// prepares a remote store. Each subcommand registers itself and, when chosen, leaves the action
// to run. Every command first re-executes itself once with imgpipe's malloc tunables
// (app/malloc_tunables.h).

#include <CLI/CLI.hpp>
#include <functional>

#include "app/config_command.h"
#include "app/jobs_command.h"
#include "app/keys_command.h"
#include "app/malloc_tunables.h"
#include "app/resize_command.h"
#include "app/serve_command.h"
#include "app/store_command.h"

int main(int argc, char** argv) {
    imgpipe::app::reexec_with_malloc_tunables(argv);
    CLI::App app{"imgpipe: self-hosted image upload and resize pipeline"};
    app.require_subcommand(1);
    std::function<int()> action;
    imgpipe::app::add_serve_command(app, action);
    imgpipe::app::add_resize_command(app, action);
    imgpipe::app::add_jobs_command(app, action);
    imgpipe::app::add_config_command(app, action);
    imgpipe::app::add_keys_command(app, action);
    imgpipe::app::add_store_command(app, action);
    CLI11_PARSE(app, argc, argv);
    return action ? action() : 0;
}
