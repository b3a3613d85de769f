#include "s3/conditions.h"

#include <charconv>

#include "s3/s3_call.h"
#include "s3/xml.h"

namespace imgpipe::s3 {
namespace {

// True if `etag` is one of the comma-separated entity tags in `list` (or the list is "*").
bool etag_in(std::string_view list, std::string_view etag) {
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string candidate = unquote_etag(list.substr(0, comma));
        if (candidate == "*" || candidate == etag) return true;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return false;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

Precondition evaluate_preconditions(const http::Headers& headers, std::string_view etag,
                                    store::TimePoint last_modified, std::string_view prefix) {
    auto header = [&](std::string_view name) {
        return headers.get(std::string(prefix) + std::string(name));
    };
    // HTTP dates have whole seconds; compare at that resolution.
    const auto modified = std::chrono::floor<std::chrono::seconds>(last_modified);

    if (auto if_match = header("if-match")) {
        if (!etag_in(*if_match, etag)) return Precondition::kFailed;
    } else if (auto since = header("if-unmodified-since")) {
        auto t = parse_http_date(*since);
        if (t && modified > *t) return Precondition::kFailed;
    }
    if (auto if_none_match = header("if-none-match")) {
        if (etag_in(*if_none_match, etag)) return Precondition::kNotModified;
    } else if (auto since = header("if-modified-since")) {
        auto t = parse_http_date(*since);
        if (t && modified <= *t) return Precondition::kNotModified;
    }
    return Precondition::kProceed;
}

Result<std::optional<store::ByteRange>> resolve_range(std::optional<std::string_view> header,
                                                      uint64_t size) {
    using Range = std::optional<store::ByteRange>;
    if (!header) return Range();
    std::string_view spec = *header;
    if (!spec.starts_with("bytes=")) return Range();
    spec.remove_prefix(6);
    if (spec.find(',') != std::string_view::npos) return Range();
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return Range();
    std::string_view first_text = spec.substr(0, dash);
    std::string_view last_text = spec.substr(dash + 1);
    const Status unsatisfiable(
        StatusCode::kOutOfRange, "InvalidRange",
        "range " + std::string(*header) + " for size " + std::to_string(size));
    if (first_text.empty()) {  // suffix: the last N bytes
        auto n = parse_u64(last_text);
        if (!n) return Range();
        if (*n == 0 || size == 0) return unsatisfiable;
        uint64_t count = std::min(*n, size);
        return Range(store::ByteRange{size - count, size - 1});
    }
    auto first = parse_u64(first_text);
    if (!first) return Range();
    std::optional<uint64_t> last;
    if (!last_text.empty()) {
        last = parse_u64(last_text);
        if (!last || *last < *first) return Range();
    }
    if (*first >= size) return unsatisfiable;
    uint64_t end = last ? std::min(*last, size - 1) : size - 1;
    return Range(store::ByteRange{*first, end});
}

}  // namespace imgpipe::s3
