// POST policy documents: parsing the base64 JSON, echoing conditions as AWS does, and checking
// expiration, conditions and field coverage. nlohmann::json stays in this file and
// post_policy_sign.cpp: parse errors become InvalidPolicyDocument values, never exceptions.

#include "sigv4/post_policy.h"

#include <nlohmann/json.hpp>

#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

using nlohmann::json;

Status invalid_policy(std::string message) {
    return invalid_argument("InvalidPolicyDocument", "Invalid Policy: " + std::move(message));
}

Status access_denied(std::string message) {
    return {StatusCode::kPermissionDenied, "AccessDenied",
            "Invalid according to Policy: " + std::move(message)};
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// "2026-01-01T12:00:00.000Z" or without the fraction (ISO-8601, UTC).
std::optional<TimePoint> parse_iso8601(std::string_view s) {
    auto num = [&](size_t pos, size_t n) -> int {
        if (pos + n > s.size()) return -1;
        int v = 0;
        for (size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    int year = num(0, 4), month = num(5, 2), day = num(8, 2);
    int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
        return std::nullopt;
    }
    // A nanosecond system_clock time point holds only the years ~1678-2262 (the fuzzer found
    // year 1013 overflowing); no real policy expires outside these.
    if (year < 1900 || year > 2200) return std::nullopt;
    size_t pos = 19;
    long long millis = 0;
    if (s[pos] == '.') {
        size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start || pos - start > 9) return std::nullopt;
        std::string frac(s.substr(start, std::min<size_t>(3, pos - start)));
        frac.resize(3, '0');
        millis = std::stoll(frac);
    }
    if (pos + 1 != s.size() || (s[pos] != 'Z' && s[pos] != 'z')) return std::nullopt;
    using namespace std::chrono;
    year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                       std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    return TimePoint(sys_days(ymd).time_since_epoch() + hours(hour) + minutes(minute) +
                     seconds(second) + milliseconds(millis));
}

std::optional<std::string> scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    return std::nullopt;
}

// A content-length-range bound: a non-negative integer or a string of digits.
std::optional<uint64_t> range_bound(const json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer()) {
        auto i = v.get<int64_t>();
        if (i >= 0) return static_cast<uint64_t>(i);
        return std::nullopt;
    }
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty() || s.size() > 19) return std::nullopt;
        uint64_t n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        return n;
    }
    return std::nullopt;
}

Result<PolicyCondition> parse_condition(const json& c) {
    if (c.is_object()) {
        if (c.size() != 1) {
            return invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                "specified.");
        }
        auto value = scalar_text(c.begin().value());
        if (!value) return invalid_policy("Invalid Simple-Condition: value must be a string.");
        std::string field = c.begin().key();
        if (!field.empty() && field[0] == '$') field.erase(0, 1);
        return PolicyCondition::exact(std::move(field), std::move(*value));
    }
    if (!c.is_array() || c.empty() || !c[0].is_string()) {
        return invalid_policy("Invalid Condition: " + c.dump());
    }
    const std::string op = to_lower(c[0].get<std::string>());
    if (c.size() != 3) {
        return invalid_policy("wrong number of arguments: " + c.dump());
    }
    if (op == "content-length-range") {
        if ((c[1].is_number_integer() && c[1].get<int64_t>() < 0) ||
            (c[2].is_number_integer() && c[2].get<int64_t>() < 0)) {
            // ceph s3-tests (run against AWS) expect 400 for a negative bound.
            return invalid_policy("Invalid content-length-range: bounds must not be negative.");
        }
        auto lo = range_bound(c[1]);
        auto hi = range_bound(c[2]);
        PolicyCondition cond =
            PolicyCondition::content_length_range(lo.value_or(0), hi.value_or(0));
        cond.valid = lo && hi && *lo <= *hi;
        return cond;
    }
    if (op != "eq" && op != "starts-with") {
        return invalid_policy("Invalid Condition: unknown condition '" + c[0].get<std::string>() +
                              "'.");
    }
    if (!c[1].is_string() || c[1].get_ref<const std::string&>().size() < 2 ||
        c[1].get_ref<const std::string&>()[0] != '$') {
        return invalid_policy("Invalid Condition: field name must start with '$': " + c.dump());
    }
    auto value = scalar_text(c[2]);
    if (!value) return invalid_policy("Invalid Condition: value must be a string: " + c.dump());
    std::string field = c[1].get<std::string>().substr(1);
    return op == "eq" ? PolicyCondition::eq(std::move(field), std::move(*value))
                      : PolicyCondition::starts_with(std::move(field), std::move(*value));
}

bool condition_holds(const PolicyCondition& c, const PostFields& fields, std::string_view bucket) {
    if (c.kind == PolicyCondition::Kind::kContentLengthRange) return c.valid;
    std::optional<std::string_view> value;
    if (iequals(c.field, "bucket")) {
        value = bucket;
    } else {
        value = find_post_field(fields, c.field);
    }
    if (!value) return false;
    if (c.kind != PolicyCondition::Kind::kStartsWith) return *value == c.value;
    if (iequals(c.field, "Content-Type") && value->find(',') != std::string_view::npos) {
        // A comma list of types: each must match the prefix.
        std::string_view rest = *value;
        while (true) {
            size_t comma = rest.find(',');
            if (!trim(rest.substr(0, comma)).starts_with(c.value)) return false;
            if (comma == std::string_view::npos) return true;
            rest.remove_prefix(comma + 1);
        }
    }
    return value->starts_with(c.value);
}

bool exempt_from_coverage(std::string_view name) {
    return iequals(name, "policy") || iequals(name, "x-amz-signature") ||
           iequals(name, "signature") || iequals(name, "awsaccesskeyid") || iequals(name, "file") ||
           starts_with_ci(name, "x-ignore-");
}

// A JSON string literal, as AWS echoes condition values.
std::string quote(const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

// ---- conditions ---------------------------------------------------------------------------------

PolicyCondition PolicyCondition::exact(std::string field, std::string value) {
    return {Kind::kExact, std::move(field), std::move(value)};
}
PolicyCondition PolicyCondition::eq(std::string field, std::string value) {
    return {Kind::kEq, std::move(field), std::move(value)};
}
PolicyCondition PolicyCondition::starts_with(std::string field, std::string prefix) {
    return {Kind::kStartsWith, std::move(field), std::move(prefix)};
}
PolicyCondition PolicyCondition::content_length_range(uint64_t min, uint64_t max) {
    return {Kind::kContentLengthRange, "", "", min, max, min <= max};
}

std::string describe(const PolicyCondition& c) {
    switch (c.kind) {
        case PolicyCondition::Kind::kExact:
        case PolicyCondition::Kind::kEq:
            return "[\"eq\", " + quote("$" + c.field) + ", " + quote(c.value) + "]";
        case PolicyCondition::Kind::kStartsWith:
            return "[\"starts-with\", " + quote("$" + c.field) + ", " + quote(c.value) + "]";
        case PolicyCondition::Kind::kContentLengthRange:
            return "[\"content-length-range\", " + std::to_string(c.min) + ", " +
                   std::to_string(c.max) + "]";
    }
    return "";
}

std::optional<std::pair<uint64_t, uint64_t>> PostPolicy::content_length_range() const {
    std::optional<std::pair<uint64_t, uint64_t>> range;
    for (const PolicyCondition& c : conditions) {
        if (c.kind != PolicyCondition::Kind::kContentLengthRange) continue;
        if (!c.valid) return std::nullopt;
        if (!range) {
            range.emplace(c.min, c.max);
        } else {
            range->first = std::max(range->first, c.min);
            range->second = std::min(range->second, c.max);
        }
    }
    return range;
}

// ---- parsing and checking -----------------------------------------------------------------------

Result<PostPolicy> parse_post_policy(std::string_view policy_base64) {
    auto text = base64_decode(policy_base64);
    if (!text) return invalid_policy("Policy is not base64 encoded.");
    json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return invalid_policy("Invalid JSON.");
    auto expiration = doc.find("expiration");
    if (expiration == doc.end()) return invalid_policy("Policy missing expiration.");
    auto conditions = doc.find("conditions");
    if (conditions == doc.end()) return invalid_policy("Policy missing conditions.");
    PostPolicy policy;
    std::optional<TimePoint> when;
    if (expiration->is_string()) when = parse_iso8601(expiration->get_ref<const std::string&>());
    if (!when) return invalid_policy("Invalid 'expiration' value: " + expiration->dump());
    policy.expiration = *when;
    if (!conditions->is_array()) return invalid_policy("Invalid 'conditions' value.");
    for (const json& c : *conditions) {
        IMGPIPE_ASSIGN_OR_RETURN(PolicyCondition condition, parse_condition(c));
        policy.conditions.push_back(std::move(condition));
    }
    return policy;
}

Status check_post_policy(const PostPolicy& policy, const PostFields& fields,
                         std::string_view bucket, TimePoint now) {
    if (now > policy.expiration) return access_denied("Policy expired.");
    for (const PolicyCondition& c : policy.conditions) {
        if (!condition_holds(c, fields, bucket)) {
            return access_denied("Policy Condition failed: " + describe(c));
        }
    }
    for (const auto& [name, value] : fields) {
        if (exempt_from_coverage(name)) continue;
        bool covered = false;
        for (const PolicyCondition& c : policy.conditions) {
            covered |=
                c.kind != PolicyCondition::Kind::kContentLengthRange && iequals(c.field, name);
        }
        if (!covered) return access_denied("Extra input fields: " + name);
    }
    // The bucket is an input of every upload even without a form field: a policy that does not
    // pin it is refused (ceph s3-tests test_post_object_missing_policy_condition expects 403).
    bool bucket_covered = false;
    for (const PolicyCondition& c : policy.conditions) bucket_covered |= iequals(c.field, "bucket");
    if (!bucket_covered) return access_denied("Extra input fields: bucket");
    return Status::ok();
}

std::optional<std::string_view> find_post_field(const PostFields& fields, std::string_view name) {
    for (const auto& [n, v] : fields) {
        if (iequals(n, name)) return std::string_view(v);
    }
    return std::nullopt;
}

}  // namespace imgpipe::sigv4
