#include "app/store_command.h"

#include <cstdio>
#include <memory>

#include "app/config.h"
#include "store/s3/bucket_notifications.h"
#include "store/s3/s3_object_store.h"

namespace imgpipe::app {
namespace {

struct SetupArgs {
    std::string config_file;
    std::string store;
    std::string store_region;
    bool store_virtual_hosted = false;
    std::string notify_url;
    std::string ingress_token;
};

int fail(int code, const std::string& what, const Status& status) {
    std::fprintf(stderr, "imgpipe store setup: %s: %s\n", what.c_str(), status.message().c_str());
    return code;
}

int run_setup(const SetupArgs& args) {
    ConfigInputs inputs{args.config_file, {}, process_environment()};
    // Only the store's settings matter here: checked as a worker's are (no listener, no token
    // demanded: the token is needed only with a push endpoint, checked below).
    inputs.flags["roles"] = "worker";
    if (!args.store.empty()) inputs.flags["store.url"] = args.store;
    if (!args.store_region.empty()) inputs.flags["store.region"] = args.store_region;
    if (args.store_virtual_hosted) inputs.flags["store.virtual_hosted"] = "true";
    if (!args.notify_url.empty()) inputs.flags["api.ingress_url"] = args.notify_url;
    if (!args.ingress_token.empty()) inputs.flags["api.ingress_token"] = args.ingress_token;
    auto config = load_config(inputs);
    if (!config) {
        std::fprintf(stderr, "imgpipe store setup: invalid configuration:\n%s\n",
                     config.status().message().c_str());
        return 2;
    }
    if (!config->remote_store()) {
        std::fprintf(
            stderr,
            "imgpipe store setup: store.url is local; the embedded store makes its "
            "buckets itself. Name the remote store with --store s3+http(s)://HOST[:PORT]\n");
        return 2;
    }
    const std::string& endpoint = config->ingress_url;
    if (!endpoint.empty() && config->ingress_token.empty()) {
        std::fprintf(stderr,
                     "imgpipe store setup: --notify-url needs the ingress token "
                     "(--ingress-token or api.ingress_token) the api nodes check\n");
        return 2;
    }
    if (!endpoint.empty() && endpoint.rfind("http://", 0) != 0 &&
        endpoint.rfind("https://", 0) != 0) {
        std::fprintf(stderr, "imgpipe store setup: --notify-url '%s' is not an http(s) URL\n",
                     endpoint.c_str());
        return 2;
    }

    store::s3::S3ClientOptions options;
    if (Status st = store::s3::parse_store_url(config->store_url, options); !st.is_ok()) {
        return fail(2, "store.url", st);
    }
    options.virtual_hosted = config->store_virtual_hosted;
    options.credentials = {config->store_access_key, config->store_secret_key, config->store_region,
                           "s3"};
    store::s3::S3ObjectStore store(options);
    for (const auto& bucket : {config->source_bucket, config->dest_bucket}) {
        Status st = store.create_bucket(bucket);
        if (!st.is_ok() && st.code() != StatusCode::kAlreadyExists) {
            return fail(1, "creating bucket " + bucket, st);
        }
        std::printf("bucket        %s\n", bucket.c_str());
    }
    if (endpoint.empty()) {
        std::printf("notifications not set up (no --notify-url or api.ingress_url)\n");
        return 0;
    }
    auto arn = store::s3::setup_bucket_notifications(
        store.http(),
        {config->source_bucket, "imgpipe-object-created", endpoint, config->ingress_token});
    if (!arn) return fail(1, "setting up the bucket notification", arn.status());
    std::printf("topic         %s -> %s\n", arn->c_str(), endpoint.c_str());
    std::printf("notification  s3:ObjectCreated:* on %s\n", config->source_bucket.c_str());
    return 0;
}

}  // namespace

void add_store_command(CLI::App& app, std::function<int()>& action) {
    CLI::App* store = app.add_subcommand("store", "Prepare a remote S3 store for imgpipe");
    store->require_subcommand(1);
    auto args = std::make_shared<SetupArgs>();
    CLI::App* setup = store->add_subcommand(
        "setup", "Create the buckets, the topic and the bucket notification (idempotent)");
    setup->add_option("--config", args->config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
    setup->add_option("--store", args->store, "The S3 service: s3+http(s)://HOST[:PORT]");
    setup->add_option("--store-region", args->store_region,
                      "Region of the store (default us-east-1; RGW: default)");
    setup->add_flag("--store-virtual-hosted", args->store_virtual_hosted,
                    "Address the store as BUCKET.HOST");
    setup->add_option("--notify-url", args->notify_url,
                      "Push endpoint: the api nodes' http(s)://HOST:PORT/events/s3 (a balancer)");
    setup->add_option("--ingress-token", args->ingress_token,
                      "Token the api nodes check; sent as the topic's OpaqueData");
    setup->callback([args, &action] { action = [args] { return run_setup(*args); }; });
}

}  // namespace imgpipe::app
