#include "app/keys_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/credentials.h"
#include "app/key_file.h"

namespace imgpipe::app {
namespace {

struct KeysArgs {
    std::string data_dir = "./data";
    std::vector<std::string> buckets;
    std::vector<std::string> actions;
    std::string id;
    // `keys show` resolves the data dir as `serve` does: flag, else config file or env.
    std::string show_data_dir;
    std::string config_file;
};

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
    return out;
}

int fail(const Status& st) {
    std::fprintf(stderr, "imgpipe keys: %s\n", st.message().c_str());
    return st.code() == StatusCode::kNotFound || st.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int run_create(const KeysArgs& a) {
    auto key = create_key(a.data_dir, a.buckets, a.actions);
    if (!key) return fail(key.status());
    std::printf("access key  %s\nsecret key  %s\nbuckets     %s\nactions     %s\n", key->id.c_str(),
                key->secret.c_str(), joined(key->buckets).c_str(), joined(key->actions).c_str());
    return 0;
}

int run_list(const KeysArgs& a) {
    auto keys = read_keys(a.data_dir);
    if (!keys) return fail(keys.status());
    std::printf("%-20s  %-8s  %-20s  %-20s  %s\n", "ID", "STATE", "CREATED", "BUCKETS", "ACTIONS");
    for (const auto& k : *keys) {
        std::printf("%-20s  %-8s  %-20s  %-20s  %s\n", k.id.c_str(),
                    k.revoked.empty() ? "valid" : "revoked", k.created.c_str(),
                    joined(k.buckets).c_str(), joined(k.actions).c_str());
    }
    return 0;
}

int run_revoke(const KeysArgs& a) {
    Status st = revoke_key(a.data_dir, a.id);
    if (!st.is_ok()) return fail(st);
    std::printf("revoked %s\n", a.id.c_str());
    return 0;
}

int run_show(const KeysArgs& a) {
    ConfigInputs inputs{a.config_file, {}, process_environment()};
    if (!a.show_data_dir.empty()) inputs.flags["data_dir"] = a.show_data_dir;
    auto config = load_config(inputs);
    if (!config) return fail(config.status());
    RootCredentials keys{config->access_key, config->secret_key, false, true};
    if (keys.access_key.empty()) {
        auto stored = read_credentials(config->data_dir);
        if (!stored) {
            std::fprintf(stderr, "imgpipe keys: %s\n", stored.status().message().c_str());
            return stored.status().code() == StatusCode::kNotFound ? 1 : 2;
        }
        keys = *stored;
    }
    std::printf("access_key=%s\nsecret_key=%s\n", keys.access_key.c_str(), keys.secret_key.c_str());
    return 0;
}

}  // namespace

void add_keys_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<KeysArgs>();
    CLI::App* keys =
        app.add_subcommand("keys", "Show the root keys; create, list and revoke S3 access keys");
    keys->require_subcommand(1);
    keys->add_option("--data-dir", args->data_dir, "Data directory (default ./data)");

    CLI::App* create = keys->add_subcommand("create", "A new key (printed once)");
    create->add_option("--data-dir", args->data_dir, "Data directory (default ./data)");
    create->add_option("--buckets", args->buckets, "Buckets it may use ('*' for all)")
        ->delimiter(',')
        ->required();
    create->add_option("--actions", args->actions, "read, write, admin")
        ->delimiter(',')
        ->required();
    create->callback([args, &action] { action = [args] { return run_create(*args); }; });

    CLI::App* list = keys->add_subcommand("list", "Every key, valid and revoked (no secrets)");
    list->add_option("--data-dir", args->data_dir, "Data directory (default ./data)");
    list->callback([args, &action] { action = [args] { return run_list(*args); }; });

    CLI::App* revoke = keys->add_subcommand("revoke", "Refuse a key from now on");
    revoke->add_option("--data-dir", args->data_dir, "Data directory (default ./data)");
    revoke->add_option("id", args->id, "Access key id")->required();
    revoke->callback([args, &action] { action = [args] { return run_revoke(*args); }; });

    CLI::App* show = keys->add_subcommand("show", "Print the root access key and secret key");
    show->add_option("--data-dir", args->show_data_dir, "Data directory (default ./data)");
    show->add_option("--config", args->config_file, "TOML configuration file");
    show->callback([args, &action] { action = [args] { return run_show(*args); }; });
}

}  // namespace imgpipe::app
