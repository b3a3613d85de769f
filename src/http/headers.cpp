#include "http/headers.h"

#include <algorithm>

namespace imgpipe::http {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void Headers::set(std::string_view name, std::string value) {
    remove(name);
    entries_.emplace_back(std::string(name), std::move(value));
}

void Headers::remove(std::string_view name) {
    std::erase_if(entries_, [&](const Entry& e) { return iequals(e.first, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& e : entries_) {
        if (iequals(e.first, name)) return std::string_view(e.second);
    }
    return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& e : entries_) {
        if (iequals(e.first, name)) out.emplace_back(e.second);
    }
    return out;
}

}  // namespace imgpipe::http
