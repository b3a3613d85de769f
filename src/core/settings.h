#pragma once
// Settings: layered key/value configuration with typed, validating getters.
//
// Keys are dotted TOML paths ("s3.listen"). Values are layered: a TOML file, then environment
// variables, then command-line flags; a later layer wins. Typed getters never throw: a bad value
// is recorded and the default returned, so that a caller can read every setting and then report
// all errors at once (`errors()`). Not thread-safe; build it once at startup.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace imgpipe {

struct HostPort {
    std::string host;
    uint16_t port = 0;
    std::string to_string() const;
};

// Parses "HOST:PORT" ("[::1]:9000" too); port 0 means "pick a free one".
std::optional<HostPort> parse_host_port(const std::string& text);
// Parses "25MiB", "512KiB", "1GiB", "100MB", "1024" into bytes.
std::optional<uint64_t> parse_byte_size(const std::string& text);
// Parses "15m", "30s", "250ms", "2h", "7d" or plain seconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

class Settings {
  public:
    // Reads a TOML file into the file layer. Errors name the file and line.
    Status load_toml_file(const std::string& path);
    // Reads a TOML document from memory (for tests).
    Status load_toml_string(const std::string& text, const std::string& origin);
    void set_env(const std::string& key, const std::string& value) { env_[key] = value; }
    void set_flag(const std::string& key, const std::string& value) { flags_[key] = value; }

    std::optional<std::string> raw(const std::string& key);
    // Which layer `key`'s value comes from: "flag", "environment", "file <path>", or "default"
    // when no layer sets it. Does not count as asking for the key.
    std::string origin(const std::string& key) const;

    std::string get_string(const std::string& key, const std::string& def);
    int64_t get_int(const std::string& key, int64_t def, int64_t min, int64_t max);
    bool get_bool(const std::string& key, bool def);
    uint64_t get_byte_size(const std::string& key, uint64_t def);
    std::chrono::milliseconds get_duration(const std::string& key, std::chrono::milliseconds def);
    HostPort get_host_port(const std::string& key, const std::string& def);
    // Comma-separated in env/flags, an array of strings in TOML.
    std::vector<std::string> get_list(const std::string& key, const std::vector<std::string>& def);

    // Records a validation error found by the caller.
    void add_error(std::string message) { errors_.push_back(std::move(message)); }
    // File keys that no getter asked for (typos), reported as errors by `finish()`.
    // Returns every error collected so far, including unknown keys.
    std::vector<std::string> finish();

  private:
    std::optional<std::pair<std::string, std::string>> lookup(const std::string& key);

    std::map<std::string, std::string> file_;
    std::map<std::string, std::string> env_;
    std::map<std::string, std::string> flags_;
    std::set<std::string> asked_;
    std::vector<std::string> errors_;
    std::string file_origin_;
};

}  // namespace imgpipe
