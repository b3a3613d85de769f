#pragma once
// Internal to imgpipe_sigv4: the few ASCII string helpers the signing code needs (case-folding,
// trimming, header lookup in a HeaderList). Pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

inline std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// The first value of header `name` (any case), or nullopt.
inline std::optional<std::string_view> find_header(const HeaderList& headers,
                                                   std::string_view name) {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return std::string_view(v);
    }
    return std::nullopt;
}

inline bool is_lower_hex(std::string_view s) {
    for (char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace imgpipe::sigv4
