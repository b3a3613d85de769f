#include "app/config_report.h"

#include <algorithm>

#include "core/settings.h"

namespace imgpipe::app {
namespace {

// Inline code in a Markdown table cell: a pipe would end the cell.
std::string code(const std::string& text) {
    std::string escaped;
    for (char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
    return "`" + escaped + "`";
}

}  // namespace

std::string settings_markdown_table() {
    std::string out =
        "| key | default | environment | flag | meaning |\n"
        "|---|---|---|---|---|\n";
    for (const auto& doc : kSettingDocs) {
        const std::string def = doc.default_value;
        out += "| " + code(doc.key) + " | " + (def.empty() ? "none" : code(def)) + " | " +
               code(env_name(doc.key)) + " | " +
               (std::string(doc.flag).empty() ? "" : code(doc.flag)) + " | " + doc.description +
               " |\n";
    }
    return out;
}

Result<std::vector<EffectiveSetting>> effective_settings(const ConfigInputs& inputs) {
    Settings s;
    IMGPIPE_RETURN_IF_ERROR(layer_settings(inputs, s));
    std::vector<EffectiveSetting> out;
    for (const auto& doc : kSettingDocs) {
        EffectiveSetting e{doc.key, doc.default_value, s.origin(doc.key)};
        if (auto raw = s.raw(doc.key)) e.value = *raw;
        if (doc.secret && e.origin != "default" && !e.value.empty()) e.value = "<redacted>";
        out.push_back(std::move(e));
    }
    return out;
}

std::string format_effective_settings(const std::vector<EffectiveSetting>& settings) {
    size_t key_width = 0, value_width = 0;
    for (const auto& s : settings) {
        key_width = std::max(key_width, s.key.size());
        value_width = std::max(value_width, s.value.size());
    }
    std::string out;
    for (const auto& s : settings) {
        std::string line = s.key + std::string(key_width - s.key.size() + 2, ' ') + s.value +
                           std::string(value_width - s.value.size() + 2, ' ') + "(" + s.origin +
                           ")";
        out += line + "\n";
    }
    return out;
}

}  // namespace imgpipe::app
