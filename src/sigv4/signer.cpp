// Client-side signing: presigned URLs and signed requests, built from the same canonical-request
// functions the verifier uses, so a round trip exercises both directions.

#include <algorithm>

#include "sigv4/sigv4.h"
#include "sigv4/text.h"

namespace imgpipe::sigv4 {
namespace {

// Headers that proxies and HTTP stacks may add, drop or rewrite: never signed (botocore's
// blacklist plus hop-by-hop headers).
bool is_unsignable(std::string_view lower_name) {
    for (std::string_view n :
         {"authorization", "user-agent", "expect", "x-amzn-trace-id", "transfer-encoding",
          "connection", "keep-alive", "te", "upgrade", "proxy-authorization", "proxy-connection"}) {
        if (lower_name == n) return true;
    }
    return false;
}

void remove_header(HeaderList& headers, std::string_view name) {
    std::erase_if(headers, [name](const auto& h) { return iequals(h.first, name); });
}

std::string scope_for(const SigningCredentials& creds, std::string_view amz_date) {
    return std::string(amz_date.substr(0, 8)) + "/" + creds.region + "/" + creds.service +
           "/aws4_request";
}

std::string sign(const SigningCredentials& creds, std::string_view amz_date,
                 std::string_view canonical) {
    std::string key =
        signing_key(creds.secret_key, amz_date.substr(0, 8), creds.region, creds.service);
    return to_hex(
        hmac_sha256(key, string_to_sign(amz_date, scope_for(creds, amz_date), canonical)));
}

}  // namespace

std::string presign_query(const SigningCredentials& creds, std::string_view method,
                          std::string_view host, std::string_view path, std::string_view query,
                          std::chrono::seconds expires, TimePoint now) {
    std::string amz_date = format_amz_date(now);
    std::string out(query);
    if (!out.empty()) out.push_back('&');
    out += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=";
    out += uri_encode(creds.access_key_id + "/" + scope_for(creds, amz_date), false);
    out += "&X-Amz-Date=" + amz_date;
    out += "&X-Amz-Expires=" + std::to_string(expires.count());
    out += "&X-Amz-SignedHeaders=host";
    HeaderList headers = {{"host", std::string(host)}};
    std::string canonical =
        canonical_request(RequestView{method, path, out, &headers}, {"host"}, "UNSIGNED-PAYLOAD",
                          /*for_presigned=*/true);
    out += "&X-Amz-Signature=" + sign(creds, amz_date, canonical);
    return out;
}

void sign_request(const SigningCredentials& creds, std::string_view method, std::string_view path,
                  std::string_view query, HeaderList& headers, std::string_view payload_hash,
                  TimePoint now) {
    std::string amz_date = format_amz_date(now);
    for (std::string_view name : {"authorization", "x-amz-date", "x-amz-content-sha256"}) {
        remove_header(headers, name);
    }
    headers.emplace_back("x-amz-date", amz_date);
    headers.emplace_back("x-amz-content-sha256", std::string(payload_hash));

    std::vector<std::string> signed_headers;
    for (const auto& [name, value] : headers) {
        std::string lower = to_lower(name);
        if (!is_unsignable(lower)) signed_headers.push_back(std::move(lower));
    }
    std::sort(signed_headers.begin(), signed_headers.end());
    signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                         signed_headers.end());

    std::string canonical = canonical_request(RequestView{method, path, query, &headers},
                                              signed_headers, payload_hash, false);
    std::string list;
    for (const auto& name : signed_headers) {
        if (!list.empty()) list.push_back(';');
        list += name;
    }
    headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id +
                                              "/" + scope_for(creds, amz_date) +
                                              ", SignedHeaders=" + list +
                                              ", Signature=" + sign(creds, amz_date, canonical));
}

}  // namespace imgpipe::sigv4
