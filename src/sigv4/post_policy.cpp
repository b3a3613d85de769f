// POST policy parsing, checking, signature verification and creation. nlohmann::json stays in
// this file: its exceptions are caught here and become InvalidPolicyDocument.

#include "sigv4/post_policy.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "sigv4/auth_params.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

Status invalid_policy(std::string message) {
    return invalid_argument("InvalidPolicyDocument", "Invalid Policy: " + std::move(message));
}

Status access_denied(std::string message) {
    return {StatusCode::kPermissionDenied, "AccessDenied",
            "Invalid according to Policy: " + std::move(message)};
}

Status invalid_field(std::string message) {
    return invalid_argument("InvalidArgument", std::move(message));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
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

std::string format_iso8601(TimePoint t) {
    using namespace std::chrono;
    auto secs = floor<seconds>(t);
    auto day = floor<days>(secs);
    year_month_day ymd(day);
    hh_mm_ss hms(secs - day);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

// A condition value: AWS wants strings; numbers are accepted as their decimal text.
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

ordered_json condition_json(const PolicyCondition& c) {
    switch (c.kind) {
        case PolicyCondition::Kind::kExact: {
            ordered_json o = ordered_json::object();
            o[c.field] = c.value;
            return o;
        }
        case PolicyCondition::Kind::kEq:
            return ordered_json::array({"eq", "$" + c.field, c.value});
        case PolicyCondition::Kind::kStartsWith:
            return ordered_json::array({"starts-with", "$" + c.field, c.value});
        case PolicyCondition::Kind::kContentLengthRange:
            return ordered_json::array({"content-length-range", c.min, c.max});
    }
    return {};
}

// JSON text of a string exactly as JSON.stringify writes it (invalid UTF-8 replaced, as a JS
// string cannot hold it).
std::string dump(const ordered_json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Sets `name` in an ordered field list: replaces the value in place (as a JS object spread does)
// or appends.
void set_field(PostFields& fields, const std::string& name, std::string value) {
    for (auto& [n, v] : fields) {
        if (n == name) {
            v = std::move(value);
            return;
        }
    }
    fields.emplace_back(name, std::move(value));
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
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
    auto quote = [](const std::string& s) { return dump(ordered_json(s)); };
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
    auto text = base64_decode_std(policy_base64);
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

// ---- signatures ---------------------------------------------------------------------------------

std::optional<std::string_view> find_post_field(const PostFields& fields, std::string_view name) {
    for (const auto& [n, v] : fields) {
        if (iequals(n, name)) return std::string_view(v);
    }
    return std::nullopt;
}

PostAuthVersion post_auth_version(const PostFields& fields) {
    auto has = [&](std::string_view name) { return find_post_field(fields, name).has_value(); };
    if (has("x-amz-algorithm") || has("x-amz-credential") || has("x-amz-date") ||
        has("x-amz-signature")) {
        return PostAuthVersion::kV4;
    }
    if (has("awsaccesskeyid") || has("signature")) return PostAuthVersion::kV2;
    return has("policy") ? PostAuthVersion::kV4 : PostAuthVersion::kNone;
}

std::optional<std::string> missing_post_auth_field(const PostFields& fields,
                                                   PostAuthVersion version) {
    std::vector<std::string_view> required;
    if (version == PostAuthVersion::kV4) {
        required = {"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                    "Policy"};
    } else if (version == PostAuthVersion::kV2) {
        required = {"Signature", "AWSAccessKeyId", "Policy"};
    }
    for (std::string_view name : required) {
        if (!find_post_field(fields, name)) return std::string(name);
    }
    return std::nullopt;
}

Result<std::string> verify_post_signature(const PostFields& fields, PostAuthVersion version,
                                          const CredentialProvider& credentials) {
    if (auto missing = missing_post_auth_field(fields, version)) {
        return invalid_field("Bucket POST must contain a field named '" + *missing +
                             "'.  If it is specified, please check the order of the fields.");
    }
    const std::string_view policy = *find_post_field(fields, "policy");
    auto mismatch = [] {
        return Status(StatusCode::kUnauthenticated, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your key and signing method.");
    };
    auto unknown_key = [] {
        return Status(StatusCode::kUnauthenticated, "InvalidAccessKeyId",
                      "The AWS Access Key Id you provided does not exist in our records.");
    };
    if (version == PostAuthVersion::kV2) {
        const std::string akid(*find_post_field(fields, "awsaccesskeyid"));
        auto secret = credentials.secret_for(akid);
        if (!secret) return unknown_key();
        const std::string expected = base64_encode_std(hmac_sha1(*secret, policy));
        if (!constant_time_equal(expected, trim(*find_post_field(fields, "signature")))) {
            return mismatch();
        }
        return akid;
    }
    if (*find_post_field(fields, "x-amz-algorithm") != "AWS4-HMAC-SHA256") {
        return invalid_field("Only AWS4-HMAC-SHA256 is supported for X-Amz-Algorithm.");
    }
    auto credential = parse_credential(*find_post_field(fields, "x-amz-credential"));
    if (!credential || credential->terminator != "aws4_request" || credential->date.size() != 8) {
        return invalid_field(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
    }
    const std::string_view amz_date = *find_post_field(fields, "x-amz-date");
    if (!parse_amz_date(amz_date)) {
        return invalid_field(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    }
    auto secret = credentials.secret_for(credential->access_key_id);
    if (!secret) return unknown_key();
    const std::string key =
        signing_key(*secret, credential->date, credential->region, credential->service);
    const std::string expected = hex(hmac_sha256(key, policy));
    const std::string provided = to_lower(trim(*find_post_field(fields, "x-amz-signature")));
    if (!constant_time_equal(expected, provided)) return mismatch();
    return credential->access_key_id;
}

// ---- creating -----------------------------------------------------------------------------------

PresignedPostForm create_post_policy(const SigningCredentials& creds,
                                     const PostPolicyRequest& request, TimePoint now) {
    const TimePoint signed_at = std::chrono::floor<std::chrono::seconds>(now);
    const std::string amz_date = format_amz_date(signed_at);
    const std::string short_date = amz_date.substr(0, 8);
    const std::string credential = creds.access_key_id + "/" + short_date + "/" + creds.region +
                                   "/" + creds.service + "/aws4_request";

    PostFields fields = request.fields;
    set_field(fields, "bucket", request.bucket);
    set_field(fields, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    set_field(fields, "X-Amz-Credential", credential);
    set_field(fields, "X-Amz-Date", amz_date);
    if (!request.session_token.empty()) {
        set_field(fields, "X-Amz-Security-Token", request.session_token);
    }

    ordered_json conditions = ordered_json::array();
    for (const PolicyCondition& c : request.conditions) conditions.push_back(condition_json(c));
    for (const auto& [name, value] : fields) {
        conditions.push_back(condition_json(PolicyCondition::exact(name, value)));
    }
    constexpr std::string_view kFilename = "${filename}";
    if (request.key.ends_with(kFilename)) {
        conditions.push_back(condition_json(PolicyCondition::starts_with(
            "key", request.key.substr(0, request.key.rfind(kFilename)))));
    } else {
        conditions.push_back(condition_json(PolicyCondition::exact("key", request.key)));
    }

    // JS Date arithmetic keeps milliseconds, which toISOString then drops; so does this.
    const TimePoint expiration = now + request.expires;
    ordered_json doc = ordered_json::object();
    doc["expiration"] = format_iso8601(expiration);
    doc["conditions"] = std::move(conditions);

    PresignedPostForm form;
    form.policy_json = dump(doc);
    form.expiration = std::chrono::floor<std::chrono::seconds>(expiration);
    const std::string policy = base64_encode_std(form.policy_json);
    const std::string key = signing_key(creds.secret_key, short_date, creds.region, creds.service);
    form.fields = std::move(fields);
    set_field(form.fields, "key", request.key);
    set_field(form.fields, "Policy", policy);
    set_field(form.fields, "X-Amz-Signature", hex(hmac_sha256(key, policy)));
    return form;
}

// ---- base64 -------------------------------------------------------------------------------------

std::string base64_encode_std(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                kAlphabet[v & 63]};
    }
    if (i < bytes.size()) {
        uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[v >> 18];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode_std(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    size_t symbols = 0;
    size_t padding = 0;
    for (char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        int v = value(c);
        if (v < 0 || padding > 0) return std::nullopt;  // bad symbol, or data after padding
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        ++symbols;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    // A lone trailing symbol cannot encode a byte; padding, if any, must complete the quantum.
    if (symbols % 4 == 1) return std::nullopt;
    if (padding > 0 && (symbols + padding) % 4 != 0) return std::nullopt;
    if (padding > 2) return std::nullopt;
    return out;
}

}  // namespace imgpipe::sigv4
