#include "app/keys_command.h"

#include <cstdio>
#include <iostream>

#include "app/config.h"
#include "app/credentials.h"

namespace imgpipe::app {
namespace {

struct KeysArgs {
    std::string config_file;
    std::string data_dir;
};

int show_keys(const KeysArgs& args) {
    ConfigInputs inputs{args.config_file, {}, process_environment()};
    if (!args.data_dir.empty()) inputs.flags["data_dir"] = args.data_dir;
    auto config = load_config(inputs);
    if (!config) {
        std::cerr << "imgpipe keys: " << config.status().message() << "\n";
        return 2;
    }
    RootCredentials keys{config->access_key, config->secret_key, false, true};
    if (keys.access_key.empty()) {
        auto stored = read_credentials(config->data_dir);
        if (!stored) {
            std::cerr << "imgpipe keys: " << stored.status().message() << "\n";
            return stored.status().code() == StatusCode::kNotFound ? 1 : 2;
        }
        keys = *stored;
    }
    std::printf("access_key=%s\nsecret_key=%s\n", keys.access_key.c_str(), keys.secret_key.c_str());
    return 0;
}

}  // namespace

void add_keys_command(CLI::App& app, std::function<int()>& action) {
    auto* keys = app.add_subcommand("keys", "The embedded store's root credentials");
    keys->require_subcommand(1);
    auto args = std::make_shared<KeysArgs>();
    auto* show = keys->add_subcommand("show", "Print the access key and secret key");
    show->add_option("--data-dir", args->data_dir, "Data directory (default ./data)");
    show->add_option("--config", args->config_file, "TOML configuration file");
    show->callback([&action, args] { action = [args] { return show_keys(*args); }; });
}

}  // namespace imgpipe::app
