#include "core/settings.h"

#include <toml++/toml.h>

#include <charconv>
#include <sstream>

namespace imgpipe {
namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string scalar_text(const toml::node& node) {
    if (const auto* s = node.as_string()) return s->get();
    if (const auto* i = node.as_integer()) return std::to_string(i->get());
    if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
    if (const auto* f = node.as_floating_point()) return std::to_string(f->get());
    std::ostringstream os;
    node.visit([&](const auto& v) { os << v; });
    return os.str();
}

// Flattens a TOML table into dotted keys; arrays of scalars become comma-joined strings.
void flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, std::string>& out) {
    for (const auto& [k, node] : table) {
        std::string key =
            prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = node.as_table()) {
            flatten(*sub, key, out);
        } else if (const auto* arr = node.as_array()) {
            std::string joined;
            for (const auto& item : *arr) {
                if (!joined.empty()) joined += ",";
                joined += scalar_text(item);
            }
            out[key] = joined;
        } else {
            out[key] = scalar_text(node);
        }
    }
}

}  // namespace

std::string HostPort::to_string() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

std::optional<HostPort> parse_host_port(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    std::string host = text.substr(0, colon);
    if (host.front() == '[') {
        if (host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    }
    uint64_t port = 0;
    if (!parse_u64(std::string_view(text).substr(colon + 1), port) || port > 65535) {
        return std::nullopt;
    }
    return HostPort{host, static_cast<uint16_t>(port)};
}

std::optional<uint64_t> parse_byte_size(const std::string& text) {
    std::string t = trim(text);
    size_t i = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    uint64_t n = 0;
    if (!parse_u64(std::string_view(t).substr(0, i), n)) return std::nullopt;
    std::string unit = trim(t.substr(i));
    static const std::pair<const char*, uint64_t> kUnits[] = {{"", 1},
                                                              {"B", 1},
                                                              {"KiB", 1ull << 10},
                                                              {"MiB", 1ull << 20},
                                                              {"GiB", 1ull << 30},
                                                              {"TiB", 1ull << 40},
                                                              {"KB", 1000},
                                                              {"MB", 1000'000},
                                                              {"GB", 1000'000'000}};
    for (const auto& [name, mult] : kUnits) {
        if (unit == name) {
            if (n > UINT64_MAX / mult) return std::nullopt;
            return n * mult;
        }
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    std::string t = trim(text);
    size_t i = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    uint64_t n = 0;
    if (!parse_u64(std::string_view(t).substr(0, i), n) || n > 1'000'000'000ull)
        return std::nullopt;
    std::string unit = t.substr(i);
    using std::chrono::milliseconds;
    if (unit == "ms") return milliseconds(n);
    if (unit.empty() || unit == "s") return milliseconds(n * 1000);
    if (unit == "m") return milliseconds(n * 60'000);
    if (unit == "h") return milliseconds(n * 3'600'000);
    if (unit == "d") return milliseconds(n * 86'400'000);
    return std::nullopt;
}

Status Settings::load_toml_file(const std::string& path) {
    try {
        auto table = toml::parse_file(path);
        file_origin_ = path;
        flatten(table, "", file_);
        return Status::ok();
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << path << ":" << e.source().begin.line << ": " << e.description();
        return invalid_argument("InvalidConfig", os.str());
    }
}

Status Settings::load_toml_string(const std::string& text, const std::string& origin) {
    try {
        auto table = toml::parse(text, origin);
        file_origin_ = origin;
        flatten(table, "", file_);
        return Status::ok();
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ":" << e.source().begin.line << ": " << e.description();
        return invalid_argument("InvalidConfig", os.str());
    }
}

std::optional<std::pair<std::string, std::string>> Settings::lookup(const std::string& key) {
    asked_.insert(key);
    if (auto it = flags_.find(key); it != flags_.end()) return std::pair{it->second, "flag"};
    if (auto it = env_.find(key); it != env_.end()) return std::pair{it->second, "environment"};
    if (auto it = file_.find(key); it != file_.end()) return std::pair{it->second, file_origin_};
    return std::nullopt;
}

std::string Settings::origin(const std::string& key) const {
    if (flags_.count(key)) return "flag";
    if (env_.count(key)) return "environment";
    if (file_.count(key)) return "file " + file_origin_;
    return "default";
}

std::optional<std::string> Settings::raw(const std::string& key) {
    auto v = lookup(key);
    if (!v) return std::nullopt;
    return v->first;
}

std::string Settings::get_string(const std::string& key, const std::string& def) {
    auto v = lookup(key);
    return v ? v->first : def;
}

int64_t Settings::get_int(const std::string& key, int64_t def, int64_t min, int64_t max) {
    auto v = lookup(key);
    if (!v) return def;
    int64_t n = 0;
    const std::string& s = v->first;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n < min || n > max) {
        add_error(key + " (" + v->second + "): '" + s + "' is not a whole number from " +
                  std::to_string(min) + " to " + std::to_string(max));
        return def;
    }
    return n;
}

bool Settings::get_bool(const std::string& key, bool def) {
    auto v = lookup(key);
    if (!v) return def;
    if (v->first == "true" || v->first == "1" || v->first == "yes") return true;
    if (v->first == "false" || v->first == "0" || v->first == "no") return false;
    add_error(key + " (" + v->second + "): '" + v->first + "' is not true or false");
    return def;
}

uint64_t Settings::get_byte_size(const std::string& key, uint64_t def) {
    auto v = lookup(key);
    if (!v) return def;
    auto n = parse_byte_size(v->first);
    if (!n) {
        add_error(key + " (" + v->second + "): '" + v->first +
                  "' is not a size such as 25MiB, 512KiB or 1048576");
        return def;
    }
    return *n;
}

std::chrono::milliseconds Settings::get_duration(const std::string& key,
                                                 std::chrono::milliseconds def) {
    auto v = lookup(key);
    if (!v) return def;
    auto d = parse_duration(v->first);
    if (!d) {
        add_error(key + " (" + v->second + "): '" + v->first +
                  "' is not a duration such as 250ms, 30s, 15m, 2h or 7d");
        return def;
    }
    return *d;
}

HostPort Settings::get_host_port(const std::string& key, const std::string& def) {
    auto v = lookup(key);
    auto hp = parse_host_port(v ? v->first : def);
    if (!hp) {
        add_error(key + " (" + (v ? v->second : "default") + "): '" + (v ? v->first : def) +
                  "' is not HOST:PORT");
        return parse_host_port(def).value_or(HostPort{"127.0.0.1", 0});
    }
    return *hp;
}

std::vector<std::string> Settings::get_list(const std::string& key,
                                            const std::vector<std::string>& def) {
    auto v = lookup(key);
    if (!v) return def;
    std::vector<std::string> out;
    std::stringstream ss(v->first);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item = trim(item);
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::vector<std::string> Settings::finish() {
    for (const auto& [k, v] : file_) {
        if (!asked_.count(k)) add_error(file_origin_ + ": unknown setting '" + k + "'");
    }
    return errors_;
}

}  // namespace imgpipe
