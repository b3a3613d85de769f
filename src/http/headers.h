#pragma once
// Headers: an HTTP header list with case-insensitive names, kept in arrival order (SigV4
// canonicalisation needs repeated headers in order). Value type, not thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imgpipe::http {

bool iequals(std::string_view a, std::string_view b);

class Headers {
  public:
    using Entry = std::pair<std::string, std::string>;

    void add(std::string name, std::string value) {
        entries_.emplace_back(std::move(name), std::move(value));
    }
    // Replaces every header named `name` with one.
    void set(std::string_view name, std::string value);
    void remove(std::string_view name);
    // The first value of `name`, or nullopt.
    std::optional<std::string_view> get(std::string_view name) const;
    std::string get_or(std::string_view name, std::string_view def) const {
        auto v = get(name);
        return std::string(v ? *v : def);
    }
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }
    const std::vector<Entry>& entries() const { return entries_; }

  private:
    std::vector<Entry> entries_;
};

}  // namespace imgpipe::http
