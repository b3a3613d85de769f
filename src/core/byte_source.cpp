#include "core/byte_source.h"

namespace imgpipe {
namespace {

constexpr size_t kFirstChunk = 16384;
// How far a known length is taken on trust up front: a wrong one must not allocate much.
constexpr uint64_t kMaxPresized = 64 << 20;

// What is left to read, when the source knows it.
std::optional<uint64_t> known_length(const ByteSource& source) {
    if (auto range = source.file_range()) return range->length;
    if (auto bytes = source.buffered()) return bytes->size();
    return std::nullopt;
}

}  // namespace

Result<std::string> read_all(ByteSource& source, size_t limit) {
    // Read straight into the result, sized up front when the source knows its length: no
    // bounce buffer and no regrowth (a worker reads every original this way). The room is one
    // byte past what is expected, so the read that finds the end needs none either; a source
    // that turns out longer grows the usual way, up to one byte past the limit.
    const size_t cap = limit < SIZE_MAX ? limit + 1 : limit;
    const auto expected = known_length(source);
    const uint64_t first = expected ? std::min(*expected, kMaxPresized) + 1 : kFirstChunk;
    std::string out(std::min<uint64_t>(first, cap), '\0');
    size_t size = 0;
    for (;;) {
        if (size == out.size()) out.resize(std::min(out.size() * 2, cap));
        auto n = source.read(std::span(out.data() + size, out.size() - size));
        if (!n) return n.status();
        if (*n == 0) break;
        size += *n;
        if (size > limit) {
            return Status(StatusCode::kResourceExhausted, "TooLarge",
                          "body larger than " + std::to_string(limit) + " bytes");
        }
    }
    out.resize(size);
    return out;
}

}  // namespace imgpipe
