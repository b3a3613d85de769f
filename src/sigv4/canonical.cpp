// The canonical request and string to sign, with S3's rules: the path is decoded once and
// encoded once (no normalisation), the query is decoded and re-encoded pair by pair, and header
// values are trimmed with inner whitespace runs folded to one space.

#include <algorithm>

#include "sigv4/sigv4.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

// Decodes a received URI component; a malformed escape is kept literally (it then gets encoded
// as %25..., so the signature simply will not match instead of the request being mangled).
std::string decode_or_raw(std::string_view s) {
    auto decoded = uri_decode(s);
    return decoded ? std::move(*decoded) : std::string(s);
}

// Trims and folds every run of whitespace (including obs-fold line breaks) to one space.
std::string fold_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool pending_space = false;
    for (char c : trim(value)) {
        if (is_space(c)) {
            pending_space = true;
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(c);
    }
    return out;
}

}  // namespace

std::string canonical_uri(std::string_view path) {
    if (path.empty()) return "/";
    return uri_encode(decode_or_raw(path), /*keep_slash=*/true);
}

std::string canonical_query(std::string_view query, bool for_presigned) {
    std::vector<std::pair<std::string, std::string>> pairs;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        std::string key(part.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
        // A raw '+' in a query means a space (form encoding), as AWS and MinIO read it; clients
        // that mean a literal plus send %2B.
        std::replace(key.begin(), key.end(), '+', ' ');
        std::replace(value.begin(), value.end(), '+', ' ');
        std::string decoded_key = decode_or_raw(key);
        if (for_presigned && decoded_key == "X-Amz-Signature") continue;
        pairs.emplace_back(uri_encode(decoded_key, false), uri_encode(decode_or_raw(value), false));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [k, v] : pairs) {
        if (!out.empty()) out.push_back('&');
        out += k;
        out.push_back('=');
        out += v;
    }
    return out;
}

Result<std::string> canonical_headers(const HeaderList& headers,
                                      const std::vector<std::string>& signed_headers) {
    std::string out;
    for (const std::string& name : signed_headers) {
        std::string joined;
        bool found = false;
        for (const auto& [n, v] : headers) {
            if (!iequals(n, name)) continue;
            if (found) joined.push_back(',');
            joined += fold_value(v);
            found = true;
        }
        if (!found) {
            return Status(StatusCode::kInvalidArgument, "MissingSignedHeader",
                          "signed header not in request: " + name);
        }
        out += to_lower(name);
        out.push_back(':');
        out += joined;
        out.push_back('\n');
    }
    return out;
}

std::string canonical_request(const RequestView& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool for_presigned) {
    static const HeaderList kNoHeaders;
    const HeaderList& headers = request.headers ? *request.headers : kNoHeaders;
    auto header_block = canonical_headers(headers, signed_headers);
    std::string signed_list;
    for (const std::string& name : signed_headers) {
        if (!signed_list.empty()) signed_list.push_back(';');
        signed_list += to_lower(name);
    }
    std::string out;
    out += request.method;
    out.push_back('\n');
    out += canonical_uri(request.path);
    out.push_back('\n');
    out += canonical_query(request.query, for_presigned);
    out.push_back('\n');
    // A missing signed header canonicalises as absent; verifiers check for it beforehand.
    if (header_block) out += *header_block;
    out.push_back('\n');
    out += signed_list;
    out.push_back('\n');
    out += payload_hash;
    return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
    std::string out = "AWS4-HMAC-SHA256\n";
    out += amz_date;
    out.push_back('\n');
    out += scope;
    out.push_back('\n');
    out += sha256_hex(canonical_request);
    return out;
}

}  // namespace imgpipe::sigv4
