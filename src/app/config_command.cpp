#include "app/config_command.h"

#include <cstdio>
#include <map>
#include <memory>

#include "app/config.h"
#include "app/config_report.h"

namespace imgpipe::app {
namespace {

struct PrintFlags {
    std::string config_file;
    std::map<std::string, std::string> settings;  // flag values by setting key
};

int run_print(const PrintFlags& flags) {
    ConfigInputs inputs{flags.config_file, {}, process_environment()};
    for (const auto& [key, value] : flags.settings) {
        if (!value.empty()) inputs.flags[key] = value;
    }
    auto settings = effective_settings(inputs);
    if (!settings) {
        std::fprintf(stderr, "imgpipe: %s\n", settings.status().message().c_str());
        return 2;
    }
    std::fputs(format_effective_settings(*settings).c_str(), stdout);
    auto config = load_config(inputs);
    if (!config) {
        std::fprintf(stderr, "imgpipe: invalid configuration:\n%s\n",
                     config.status().message().c_str());
        return 2;
    }
    return 0;
}

}  // namespace

void add_config_command(CLI::App& app, std::function<int()>& action) {
    CLI::App* config = app.add_subcommand("config", "Show the configuration");
    config->require_subcommand(1);

    auto flags = std::make_shared<PrintFlags>();
    CLI::App* print = config->add_subcommand(
        "print", "Effective settings with their source (default, file, environment, flag)");
    print->add_option("--config", flags->config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
    // The same flags as `imgpipe serve`, from the settings' one definition.
    for (const auto& doc : kSettingDocs) {
        std::string flag = doc.flag;
        if (!flag.empty()) print->add_option(flag, flags->settings[doc.key], doc.description);
    }
    print->callback([flags, &action] { action = [flags] { return run_print(*flags); }; });

    CLI::App* markdown =
        config->add_subcommand("markdown", "The settings table of README.md (Markdown)");
    markdown->callback([&action] {
        action = [] {
            std::fputs(settings_markdown_table().c_str(), stdout);
            return 0;
        };
    });
}

}  // namespace imgpipe::app
