#pragma once
// Config report: the settings as people read them, both from kSettingDocs (the one definition):
// the Markdown table in README.md (between `<!-- config-table:begin -->` and `end`; app_test
// fails when they differ, `scripts/gen-config-table.sh` rewrites it), and `imgpipe config
// print`, the effective value of every setting with where it came from and secrets redacted.

#include <string>
#include <vector>

#include "app/config.h"
#include "core/result.h"

namespace imgpipe::app {

// The README's configuration table: key, default, environment variable, flag, meaning.
std::string settings_markdown_table();

struct EffectiveSetting {
    std::string key;
    std::string value;   // as given (a list comma-separated); "<redacted>" for a set secret
    std::string origin;  // "default", "file <path>", "environment", "flag"
};

// Every setting of kSettingDocs with its value and origin under `inputs`, in table order.
// An error when the file cannot be read or parsed (values are not validated here).
Result<std::vector<EffectiveSetting>> effective_settings(const ConfigInputs& inputs);

// Aligned text, one setting per line: "key  value  (origin)".
std::string format_effective_settings(const std::vector<EffectiveSetting>& settings);

}  // namespace imgpipe::app
