#include "sigv4/auth_params.h"

#include <array>

#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

Status malformed(std::string message) {
    return Status(StatusCode::kInvalidArgument, "AuthorizationHeaderMalformed",
                  "The authorization header is malformed; " + std::move(message));
}

int two_digits(std::string_view s) {
    if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

}  // namespace

std::optional<Credential> parse_credential(std::string_view value) {
    // The key id is everything before the last four parts, so an odd key id cannot shift them.
    std::array<std::string_view, 4> tail;
    for (int i = 3; i >= 0; --i) {
        size_t slash = value.rfind('/');
        if (slash == std::string_view::npos) return std::nullopt;
        tail[static_cast<size_t>(i)] = value.substr(slash + 1);
        value = value.substr(0, slash);
    }
    Credential c{std::string(value), std::string(tail[0]), std::string(tail[1]),
                 std::string(tail[2]), std::string(tail[3])};
    if (c.access_key_id.empty() || c.date.size() != 8 || c.region.empty() || c.service.empty()) {
        return std::nullopt;
    }
    return c;
}

std::vector<std::string> split_signed_headers(std::string_view value) {
    std::vector<std::string> out;
    while (!value.empty()) {
        size_t semi = value.find(';');
        std::string_view name = trim(value.substr(0, semi));
        if (!name.empty()) out.push_back(to_lower(name));
        value = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
    }
    return out;
}

std::optional<PayloadMode> parse_payload_mode(std::string_view value) {
    if (value.size() == 64 && is_lower_hex(to_lower(value))) return PayloadMode::kSignedHex;
    if (value == "UNSIGNED-PAYLOAD") return PayloadMode::kUnsigned;
    if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") return PayloadMode::kStreamingSigned;
    if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
        return PayloadMode::kStreamingSignedTrailer;
    }
    if (value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
        return PayloadMode::kStreamingUnsignedTrailer;
    }
    return std::nullopt;
}

std::optional<std::string> normalize_signature(std::string_view value) {
    if (value.size() != 64) return std::nullopt;
    std::string lower = to_lower(value);
    if (!is_lower_hex(lower)) return std::nullopt;
    return lower;
}

Result<HeaderAuthParams> parse_authorization_header(std::string_view value) {
    constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm) {
        return malformed("the algorithm must be AWS4-HMAC-SHA256");
    }
    std::string_view rest = value.substr(kAlgorithm.size());
    std::optional<std::string_view> credential, signed_headers, signature;
    while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view part = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) return malformed("a component has no '='");
        std::string_view key = trim(part.substr(0, eq));
        std::string_view val = trim(part.substr(eq + 1));
        if (key == "Credential") {
            credential = val;
        } else if (key == "SignedHeaders") {
            signed_headers = val;
        } else if (key == "Signature") {
            signature = val;
        } else {
            return malformed("unknown component " + std::string(key));
        }
    }
    if (!credential || !signed_headers || !signature) {
        return malformed("Credential, SignedHeaders and Signature are required");
    }
    auto cred = parse_credential(*credential);
    if (!cred) return malformed("the Credential is ill-formed");
    auto sig = normalize_signature(*signature);
    if (!sig) return malformed("the Signature must be 64 hex digits");
    HeaderAuthParams out{std::move(*cred), split_signed_headers(*signed_headers), std::move(*sig)};
    if (out.signed_headers.empty()) return malformed("SignedHeaders is empty");
    return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        size_t eq = part.find('=');
        auto key = uri_decode(part.substr(0, eq));
        if (!key || *key != name) continue;
        std::string_view raw =
            eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
        auto decoded = uri_decode(raw);
        return decoded ? std::move(*decoded) : std::string(raw);
    }
    return std::nullopt;
}

std::optional<TimePoint> parse_http_date(std::string_view v) {
    // "Fri, 24 May 2013 00:00:00 GMT"
    v = trim(v);
    if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' ||
        v[16] != ' ' || v[19] != ':' || v[22] != ':' || v[25] != ' ' || v.substr(26) != "GMT") {
        return std::nullopt;
    }
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned i = 0; i < kMonths.size(); ++i) {
        if (v.substr(8, 3) == kMonths[i]) month = i + 1;
    }
    int day = two_digits(v.substr(5, 2));
    int y_hi = two_digits(v.substr(12, 2)), y_lo = two_digits(v.substr(14, 2));
    int h = two_digits(v.substr(17, 2)), mi = two_digits(v.substr(20, 2)),
        s = two_digits(v.substr(23, 2));
    if (month == 0 || day < 0 || y_hi < 0 || y_lo < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60) {
        return std::nullopt;
    }
    std::chrono::year_month_day ymd{std::chrono::year(y_hi * 100 + y_lo), std::chrono::month(month),
                                    std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok()) return std::nullopt;
    return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(h) +
           std::chrono::minutes(mi) + std::chrono::seconds(s);
}

}  // namespace imgpipe::sigv4
