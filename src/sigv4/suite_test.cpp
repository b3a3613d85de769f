// The public SigV4 test vectors, read from the test corpus ($IMGPIPE_TESTDATA/sigv4) at run time
// (never at build time: ctest lists the cases just before running them): botocore's copy of
// the AWS suite (<case>/<case>.{req,creq,sts,authz}) and aws-c-auth's v4 suite (header and query
// variants). Each case directory found becomes one parameterised test.
//
// These generic (non-S3) vectors normalise the path (remove dot segments and empty segments)
// where S3 signs the path literally (normalize-path.txt). For such cases the test checks every
// canonical-request line except the URI, that our URI is the literal path, and the string to
// sign and signature from the suite's canonical request.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "sigv4/auth_params.h"
#include "sigv4/sigv4.h"
#include "sigv4/test_util.h"
#include "testdata.h"

namespace imgpipe::sigv4 {
namespace {

namespace fs = std::filesystem;
using testing::parse_request_file;
using testing::read_file;
using testing::testdata_dir;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (true) {
        size_t nl = s.find('\n', pos);
        out.emplace_back(s.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return out;
}

std::string to_lower_copy(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool only_unreserved_and_slash(std::string_view path) {
    for (char c : path) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
        if (!ok) return false;
    }
    return true;
}

// A path that generic SigV4 would normalise: dot segments or empty segments.
bool has_normalisable_segments(std::string_view path) {
    return path.find("//") != std::string_view::npos ||
           path.find("/./") != std::string_view::npos ||
           path.find("/../") != std::string_view::npos || path.ends_with("/.") ||
           path.ends_with("/..");
}

// Compares our canonical request with the suite's; see the file comment for path-normalised
// cases. Returns a description of the mismatch, empty when acceptable.
void expect_canonical_matches(const RequestView& view, const std::string& ours,
                              const std::string& expected) {
    if (ours == expected) return;
    auto a = split_lines(ours);
    auto b = split_lines(expected);
    ASSERT_EQ(a.size(), b.size()) << ours << "\n---\n" << expected;
    for (size_t i = 0; i < a.size(); ++i) {
        if (i != 1) {
            EXPECT_EQ(a[i], b[i]) << "canonical request line " << i;
        }
    }
    // Only the URI differs: that must be generic normalisation, which S3 does not do.
    EXPECT_TRUE(has_normalisable_segments(view.path)) << view.path << " vs " << b[1];
    ASSERT_TRUE(only_unreserved_and_slash(view.path));
    EXPECT_EQ(a[1], std::string(view.path)) << "S3 signs the path literally";
}

// The case directories of a suite, sorted, or why they could not be listed. Listed while gtest
// registers the parameterised tests, outside any test, so a missing corpus must not throw: it
// leaves no cases, and the suite's FindsAllCases test fails with the error.
struct Cases {
    std::vector<std::string> names;
    std::string error;
};

bool exists_no_throw(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

Cases botocore_cases() {
    const fs::path root = testdata_dir();
    const DirListing listing = list_dir(root, /*recursive=*/true);
    Cases out{.names = {}, .error = listing.error};
    for (const auto& entry : listing.entries) {
        std::error_code ec;
        if (!entry.is_directory(ec)) continue;
        const fs::path& dir = entry.path();
        if (dir.string().find("aws-c-auth-v4") != std::string::npos) continue;
        if (exists_no_throw(dir / (dir.filename().string() + ".req"))) {
            out.names.push_back(dir.lexically_relative(root).string());
        }
    }
    std::sort(out.names.begin(), out.names.end());
    return out;
}

Cases aws_c_auth_cases() {
    const DirListing listing = list_dir(testdata_dir() + "/aws-c-auth-v4", /*recursive=*/false);
    Cases out{.names = {}, .error = listing.error};
    for (const auto& entry : listing.entries) {
        std::error_code ec;
        if (entry.is_directory(ec) && exists_no_throw(entry.path() / "context.json")) {
            out.names.push_back(entry.path().filename().string());
        }
    }
    std::sort(out.names.begin(), out.names.end());
    return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

std::string without_trailing_newline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// ---- botocore / AWS suite ----------------------------------------------------------------------

class BotocoreSuiteTest : public ::testing::TestWithParam<std::string> {};

TEST(BotocoreSuiteTest, FindsAllCases) {
    const Cases cases = botocore_cases();
    ASSERT_TRUE(cases.error.empty()) << cases.error;
    // 24 top-level, 8 normalize-path, 2 post-sts-token (s3-compat.md §3a).
    EXPECT_GE(cases.names.size(), 34u) << "in " << testdata_dir();
}

TEST_P(BotocoreSuiteTest, CanonicalRequestStringToSignAndSignature) {
    fs::path dir = fs::path(testdata_dir()) / GetParam();
    std::string base = (dir / dir.filename()).string();
    auto req = parse_request_file(read_file(base + ".req"));
    std::string expected_creq = read_file(base + ".creq");
    std::string expected_sts = read_file(base + ".sts");
    std::string authz = without_trailing_newline(read_file(base + ".authz"));

    auto params = parse_authorization_header(authz);
    ASSERT_TRUE(params.is_ok()) << params.status().to_string();
    std::string amz_date;
    for (const auto& [n, v] : req.headers) {
        if (n == "X-Amz-Date") amz_date = v;
    }
    ASSERT_EQ(amz_date, "20150830T123600Z");
    // Headers the signer itself adds (the session token of get-vanilla-with-session-token) are
    // only in the signed request (.sreq).
    auto sreq = parse_request_file(read_file(base + ".sreq"));
    for (const auto& name : params->signed_headers) {
        bool present = false;
        for (const auto& h : req.headers) present = present || to_lower_copy(h.first) == name;
        if (present) continue;
        for (const auto& h : sreq.headers) {
            if (to_lower_copy(h.first) == name) req.headers.push_back(h);
        }
    }

    RequestView view{req.method, req.path, req.query, &req.headers};
    std::string creq = canonical_request(view, params->signed_headers, sha256_hex(req.body), false);
    expect_canonical_matches(view, creq, expected_creq);

    std::string scope = params->credential.scope();
    std::string sts = string_to_sign(amz_date, scope, expected_creq);
    EXPECT_EQ(sts, expected_sts);
    std::string key = signing_key(kSecret, params->credential.date, params->credential.region,
                                  params->credential.service);
    EXPECT_EQ(to_hex(hmac_sha256(key, sts)), params->signature);
    // The Authorization header is reproduced exactly from its parts.
    std::string list;
    for (const auto& h : params->signed_headers) list += (list.empty() ? "" : ";") + h;
    EXPECT_EQ(authz, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope + ", SignedHeaders=" +
                         list + ", Signature=" + to_hex(hmac_sha256(key, sts)));
}

INSTANTIATE_TEST_SUITE_P(Vectors, BotocoreSuiteTest, ::testing::ValuesIn(botocore_cases().names),
                         test_name);
// Without the corpus there are no cases; FindsAllCases says why, with the path.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BotocoreSuiteTest);

// ---- aws-c-auth suite --------------------------------------------------------------------------

struct AcaContext {
    std::string access_key;
    std::string secret;
    std::string region;
    std::string service;
    std::string amz_date;
    bool normalize = true;
    bool omit_session_token = false;
};

AcaContext load_context(const fs::path& dir) {
    auto j = nlohmann::json::parse(read_file((dir / "context.json").string()));
    AcaContext c;
    c.access_key = j["credentials"]["access_key_id"];
    c.secret = j["credentials"]["secret_access_key"];
    c.region = j["region"];
    c.service = j["service"];
    c.normalize = j.value("normalize", true);
    c.omit_session_token = j.value("omit_session_token", false);
    std::string ts = j["timestamp"];  // 2015-08-30T12:36:00Z
    for (char ch : ts) {
        if (ch != '-' && ch != ':') c.amz_date.push_back(ch);
    }
    return c;
}

std::string drop_param(std::string_view query, std::string_view name) {
    std::string out;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.substr(0, part.find('=')) == name) continue;
        if (!out.empty()) out.push_back('&');
        out += part;
    }
    return out;
}

class AwsCAuthSuiteTest : public ::testing::TestWithParam<std::string> {};

TEST(AwsCAuthSuiteTest, FindsAllCases) {
    const Cases cases = aws_c_auth_cases();
    ASSERT_TRUE(cases.error.empty()) << cases.error;
    EXPECT_GE(cases.names.size(), 38u) << "in " << testdata_dir();
}

TEST_P(AwsCAuthSuiteTest, HeaderVariant) {
    fs::path dir = fs::path(testdata_dir()) / "aws-c-auth-v4" / GetParam();
    AcaContext ctx = load_context(dir);
    auto req = parse_request_file(read_file((dir / "header-signed-request.txt").string()));
    std::string expected_creq = read_file((dir / "header-canonical-request.txt").string());
    std::string expected_sts = read_file((dir / "header-string-to-sign.txt").string());
    std::string expected_sig =
        without_trailing_newline(read_file((dir / "header-signature.txt").string()));

    std::string authz;
    for (const auto& [n, v] : req.headers) {
        if (n == "Authorization") authz = v;
    }
    auto params = parse_authorization_header(authz);
    ASSERT_TRUE(params.is_ok()) << params.status().to_string();
    EXPECT_EQ(params->credential.access_key_id, ctx.access_key);
    EXPECT_EQ(params->credential.region, ctx.region);
    EXPECT_EQ(params->credential.service, ctx.service);

    RequestView view{req.method, req.path, req.query, &req.headers};
    std::string creq = canonical_request(view, params->signed_headers, sha256_hex(req.body), false);
    if (ctx.normalize) {
        expect_canonical_matches(view, creq, expected_creq);
    } else {
        EXPECT_EQ(creq, expected_creq) << "unnormalized cases are S3-style: exact match";
    }
    std::string scope = params->credential.scope();
    std::string sts = string_to_sign(ctx.amz_date, scope, expected_creq);
    EXPECT_EQ(sts, expected_sts);
    std::string key = signing_key(ctx.secret, ctx.amz_date.substr(0, 8), ctx.region, ctx.service);
    EXPECT_EQ(to_hex(hmac_sha256(key, sts)), expected_sig);
    EXPECT_EQ(params->signature, expected_sig);
}

TEST_P(AwsCAuthSuiteTest, QueryVariant) {
    fs::path dir = fs::path(testdata_dir()) / "aws-c-auth-v4" / GetParam();
    AcaContext ctx = load_context(dir);
    auto req = parse_request_file(read_file((dir / "query-signed-request.txt").string()));
    std::string expected_creq = read_file((dir / "query-canonical-request.txt").string());
    std::string expected_sts = read_file((dir / "query-string-to-sign.txt").string());
    std::string expected_sig =
        without_trailing_newline(read_file((dir / "query-signature.txt").string()));

    EXPECT_EQ(query_param(req.query, "X-Amz-Signature"), expected_sig);
    EXPECT_EQ(query_param(req.query, "X-Amz-Date"), ctx.amz_date);
    auto cred = parse_credential(query_param(req.query, "X-Amz-Credential").value_or(""));
    ASSERT_TRUE(cred.has_value());
    auto signed_headers =
        split_signed_headers(query_param(req.query, "X-Amz-SignedHeaders").value_or(""));

    // omit_session_token: the token was appended after signing, so it is not in the canonical
    // query (post-sts-header-after).
    std::string query =
        ctx.omit_session_token ? drop_param(req.query, "X-Amz-Security-Token") : req.query;
    RequestView view{req.method, req.path, query, &req.headers};
    std::string creq = canonical_request(view, signed_headers, sha256_hex(req.body), true);
    if (ctx.normalize) {
        expect_canonical_matches(view, creq, expected_creq);
    } else {
        EXPECT_EQ(creq, expected_creq);
    }
    std::string sts = string_to_sign(ctx.amz_date, cred->scope(), expected_creq);
    EXPECT_EQ(sts, expected_sts);
    std::string key = signing_key(ctx.secret, ctx.amz_date.substr(0, 8), ctx.region, ctx.service);
    EXPECT_EQ(to_hex(hmac_sha256(key, sts)), expected_sig);
}

INSTANTIATE_TEST_SUITE_P(Vectors, AwsCAuthSuiteTest, ::testing::ValuesIn(aws_c_auth_cases().names),
                         test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AwsCAuthSuiteTest);

}  // namespace
}  // namespace imgpipe::sigv4
