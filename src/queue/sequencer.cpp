#include "queue/sequencer.h"

#include <algorithm>

namespace imgpipe::queue {
namespace {

// Lower-cases ASCII only: the locale must not change how two events are ordered.
unsigned char lower(char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 'A' && u <= 'Z') ? static_cast<unsigned char>(u - 'A' + 'a') : u;
}

bool is_hex_digit(char c) {
    unsigned char u = lower(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f');
}

}  // namespace

int compare_sequencers(std::string_view a, std::string_view b) {
    const size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        unsigned char x = i < a.size() ? lower(a[i]) : '0';
        unsigned char y = i < b.size() ? lower(b[i]) : '0';
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

bool is_hex_sequencer(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_hex_digit);
}

}  // namespace imgpipe::queue
