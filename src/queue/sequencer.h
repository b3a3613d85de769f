#pragma once
// Sequencers: S3's order of the creations of one key. An event's `sequencer` is a hex string;
// a greater one is a later creation. Strings of different lengths compare as S3 documents: the
// shorter is right-padded with '0' first ("0A" equals "0A00", "0B" is greater than "0A99").
// Hex digits compare case-insensitively. Pure functions.

#include <string_view>

namespace imgpipe::queue {

// Negative when `a` is the earlier creation, zero when both name the same one, positive when
// `a` is the later. Characters that are not hex digits compare by their lower-cased byte value,
// so any two strings are ordered consistently.
int compare_sequencers(std::string_view a, std::string_view b);

// True for a non-empty string of hex digits (either case).
bool is_hex_sequencer(std::string_view s);

}  // namespace imgpipe::queue
