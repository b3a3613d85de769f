#include "app/serve_command.h"

#include <malloc.h>

#include <algorithm>
#include <csignal>  // and POSIX sigset_t, sigwait, pthread_sigmask, through glibc's <signal.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/credentials.h"
#include "app/roles.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "core/log.h"

namespace imgpipe::app {
namespace {

struct ServeFlags {
    std::string config_file;
    std::string data_dir;
    std::string api_listen;
    std::string s3_listen;
    std::string roles;
    std::string log_level;
    std::string store;
    std::string store_region;
    bool store_virtual_hosted = false;
    std::string ingress_token;
    std::string queue;
    std::vector<std::string> notify_urls;
    std::string notify_token;
};

// Blocks the shutdown signals in every thread (threads inherit the mask), so that the main
// thread can wait for them with sigwait.
sigset_t block_shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

// glibc's malloc gives each thread that allocates concurrently an arena of its own, up to eight
// per core, and keeps what is freed in them: a server whose many threads free decoded images and
// request buffers grows by the fragments (upload soak, 200 clients: RSS 377 -> 556 MiB in five
// minutes, with 1.6 MiB live once idle per heaptrack). One arena per core keeps it level
// (298-346 MiB) without jemalloc's cost here (docs/RELIABILITY.md). Before any thread starts;
// glibc's own MALLOC_ARENA_MAX, when set, wins.
void limit_malloc_arenas() {
    if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

int run_serve(const ServeFlags& flags) {
    limit_malloc_arenas();
    sigset_t signals = block_shutdown_signals();
    // imgpipe's sockets write with MSG_NOSIGNAL, but the log goes to stderr with write(2): if
    // that is a pipe whose reader has gone, SIGPIPE's default action would end the process. Like
    // every network server, this one takes EPIPE instead.
    signal(SIGPIPE, SIG_IGN);

    ConfigInputs inputs{flags.config_file, {}, process_environment()};
    if (!flags.data_dir.empty()) inputs.flags["data_dir"] = flags.data_dir;
    if (!flags.api_listen.empty()) inputs.flags["api.listen"] = flags.api_listen;
    if (!flags.s3_listen.empty()) inputs.flags["s3.listen"] = flags.s3_listen;
    if (!flags.roles.empty()) inputs.flags["roles"] = flags.roles;
    if (!flags.log_level.empty()) inputs.flags["log.level"] = flags.log_level;
    if (!flags.store.empty()) inputs.flags["store.url"] = flags.store;
    if (!flags.store_region.empty()) inputs.flags["store.region"] = flags.store_region;
    if (flags.store_virtual_hosted) inputs.flags["store.virtual_hosted"] = "true";
    if (!flags.ingress_token.empty()) inputs.flags["api.ingress_token"] = flags.ingress_token;
    if (!flags.queue.empty()) inputs.flags["queue.url"] = flags.queue;
    if (!flags.notify_urls.empty()) {
        std::string urls;
        for (const auto& u : flags.notify_urls) urls += (urls.empty() ? "" : ",") + u;
        inputs.flags["s3.notify_urls"] = urls;
    }
    if (!flags.notify_token.empty()) inputs.flags["s3.notify_token"] = flags.notify_token;
    auto config = load_config(inputs);
    if (!config) {
        std::fprintf(stderr, "imgpipe: invalid configuration:\n%s\n",
                     config.status().message().c_str());
        return 2;
    }
    log::set_level(config->log_level);
    log::buffer_output();

    std::error_code ec;
    std::filesystem::create_directories(config->data_dir, ec);
    if (ec) {
        log::error("cannot create data dir",
                   {{"data_dir", config->data_dir}, {"error", ec.message()}});
        return 1;
    }
    auto credentials =
        load_or_create_credentials(config->data_dir, config->access_key, config->secret_key);
    if (!credentials) {
        log::error("credentials", {{"error", credentials.status().to_string()}});
        return 1;
    }

    auto roles = start_roles(*config, *credentials, posix_file_system(), SystemClock::instance());
    if (!roles) {
        log::error("startup failed", {{"error", roles.status().to_string()}});
        return 1;
    }
    (*roles)->print_banner(stdout);
    log::info("ready", {{"roles", config->roles}, {"data_dir", config->data_dir}});
    log::flush();  // whoever waits for the listening ports need not wait for the next batch

    int sig = 0;
    sigwait(&signals, &sig);
    log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    if (!(*roles)->stop()) {
        // Jobs still running past the drain timeout were handed back to the queue; their
        // threads use what the roles own, so nothing is destroyed: the process just ends.
        log::info("stopped", {{"jobs_handed_back", true}});
        log::flush();
        std::_Exit(0);
    }
    log::info("stopped");
    log::flush();
    return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, std::function<int()>& action) {
    auto flags = std::make_shared<ServeFlags>();
    CLI::App* serve = app.add_subcommand("serve", "Run the upload API, S3 endpoint and workers");
    serve->add_option("--config", flags->config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
    serve->add_option("--data-dir", flags->data_dir, "Data directory (default ./data)");
    serve->add_option("--api-listen", flags->api_listen,
                      "Upload API HOST:PORT (default 127.0.0.1:8080)");
    serve->add_option("--s3-listen", flags->s3_listen,
                      "S3 endpoint HOST:PORT (default 127.0.0.1:9000)");
    serve->add_option("--roles", flags->roles,
                      "Comma-separated roles: api,s3,worker (default all)");
    serve->add_option("--log-level", flags->log_level, "debug, info, warn or error");
    serve->add_option("--store", flags->store,
                      "local (default) or an S3 service: s3+http(s)://HOST[:PORT]");
    serve->add_option("--store-region", flags->store_region,
                      "Region of the remote store (default us-east-1)");
    serve->add_flag("--store-virtual-hosted", flags->store_virtual_hosted,
                    "Address the remote store as BUCKET.HOST");
    serve->add_option("--ingress-token", flags->ingress_token,
                      "Bearer token of POST /events/s3 (a remote store's notifications)");
    serve->add_option("--queue", flags->queue,
                      "sqlite (default) or redis://HOST:PORT[/DB], shared by every node");
    serve->add_option("--notify-url", flags->notify_urls,
                      "s3 role: POST an S3 event notification for each upload here (repeatable)");
    serve->add_option("--notify-token", flags->notify_token,
                      "s3 role: bearer token of those notifications");
    serve->callback([flags, &action] { action = [flags] { return run_serve(*flags); }; });
}

}  // namespace imgpipe::app
