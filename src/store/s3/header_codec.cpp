#include "store/s3/header_codec.h"

#include <array>
#include <string_view>

#include "sigv4/sigv4.h"
#include "store/s3/s3_xml.h"

namespace imgpipe::store::s3 {
namespace {

constexpr std::array<std::string_view, 5> kKeptHeaders = {
    "cache-control", "content-disposition", "content-encoding", "content-language", "expires"};
constexpr std::string_view kMetaPrefix = "x-amz-meta-";
constexpr std::string_view kEncodedPrefix = "=?utf-8?b?";

bool iequals_prefix(std::string_view s, std::string_view lower_prefix) {
    if (s.size() < lower_prefix.size()) return false;
    for (size_t i = 0; i < lower_prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(s[i])) != lower_prefix[i]) return false;
    }
    return true;
}

}  // namespace

std::string encode_header_value(const std::string& value) {
    bool plain = value.empty() || (value.front() != ' ' && value.back() != ' ');
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) plain = false;
    }
    if (plain && !iequals_prefix(value, "=?")) return value;
    return "=?UTF-8?B?" + sigv4::base64_encode(value) + "?=";
}

std::string decode_header_value(const std::string& value) {
    if (!iequals_prefix(value, kEncodedPrefix) || value.size() < kEncodedPrefix.size() + 2 ||
        value.compare(value.size() - 2, 2, "?=") != 0) {
        return value;
    }
    auto decoded = sigv4::base64_decode(std::string_view(value).substr(
        kEncodedPrefix.size(), value.size() - kEncodedPrefix.size() - 2));
    return decoded ? *decoded : value;
}

std::vector<std::pair<std::string, std::string>> attribute_headers(
    const ObjectAttributes& attributes) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!attributes.content_type.empty()) {
        out.emplace_back("content-type", encode_header_value(attributes.content_type));
    }
    for (const auto& [name, value] : attributes.headers) {
        out.emplace_back(name, encode_header_value(value));
    }
    for (const auto& [name, value] : attributes.metadata) {
        out.emplace_back(std::string(kMetaPrefix) + name, encode_header_value(value));
    }
    // The remote keeps the ACL itself; private is its default, so it is not sent.
    if (attributes.acl != CannedAcl::kPrivate) {
        out.emplace_back("x-amz-acl", std::string(canned_acl_header(attributes.acl)));
    }
    return out;
}

ObjectAttributes attributes_from(const std::map<std::string, std::string>& headers) {
    ObjectAttributes out;
    for (const auto& [name, value] : headers) {
        if (name == "content-type") {
            out.content_type = decode_header_value(value);
        } else if (name.rfind(kMetaPrefix, 0) == 0) {
            out.metadata[name.substr(kMetaPrefix.size())] = decode_header_value(value);
        } else {
            for (std::string_view kept : kKeptHeaders) {
                if (name == kept) out.headers[name] = decode_header_value(value);
            }
        }
    }
    return out;
}

void add_checksum_header(const ObjectChecksum& checksum,
                         std::vector<std::pair<std::string, std::string>>& headers) {
    std::string name = "x-amz-checksum-" + checksum.algorithm;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers.emplace_back(std::move(name), checksum.value);
}

}  // namespace imgpipe::store::s3
