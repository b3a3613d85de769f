#include "app/keys_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/key_file.h"

namespace imgpipe::app {
namespace {

struct KeysArgs {
    std::string data_dir = "./data";
    std::vector<std::string> buckets;
    std::vector<std::string> actions;
    std::string id;
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

}  // namespace

void add_keys_command(CLI::App& app, std::function<int()>& action) {
    auto args = std::make_shared<KeysArgs>();
    CLI::App* keys = app.add_subcommand("keys", "Create, list and revoke S3 access keys");
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
}

}  // namespace imgpipe::app
