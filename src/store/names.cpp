#include "store/names.h"

#include <algorithm>

namespace imgpipe::store {
namespace {

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool looks_like_ipv4(const std::string& name) {
    int dots = 0;
    for (char c : name) {
        if (c == '.') {
            ++dots;
        } else if (c < '0' || c > '9') {
            return false;
        }
    }
    return dots == 3;
}

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

Status bad_bucket(const std::string& bucket, std::string_view why) {
    return invalid_argument("InvalidBucketName",
                            "invalid bucket name \"" + bucket + "\": " + std::string(why));
}

}  // namespace

Status validate_bucket_name(const std::string& bucket) {
    if (bucket.size() < 3 || bucket.size() > 63) return bad_bucket(bucket, "length not in 3..63");
    bool allowed = std::all_of(bucket.begin(), bucket.end(),
                               [](char c) { return is_lower_or_digit(c) || c == '.' || c == '-'; });
    if (!allowed) return bad_bucket(bucket, "only a-z, 0-9, '.' and '-' are allowed");
    if (!is_lower_or_digit(bucket.front()) || !is_lower_or_digit(bucket.back())) {
        return bad_bucket(bucket, "must start and end with a letter or digit");
    }
    if (bucket.find("..") != std::string::npos || bucket.find(".-") != std::string::npos ||
        bucket.find("-.") != std::string::npos) {
        return bad_bucket(bucket, "adjacent '.'/'-' characters");
    }
    if (looks_like_ipv4(bucket)) return bad_bucket(bucket, "formatted as an IP address");
    if (starts_with(bucket, "xn--") || starts_with(bucket, "sthree-") ||
        ends_with(bucket, "-s3alias") || ends_with(bucket, "--ol-s3")) {
        return bad_bucket(bucket, "reserved prefix or suffix");
    }
    return Status::ok();
}

Status validate_key(const std::string& key) {
    if (key.empty()) return invalid_argument("InvalidArgument", "object key must not be empty");
    if (key.size() > kMaxKeyBytes) {
        return invalid_argument("KeyTooLongError", "object key is " + std::to_string(key.size()) +
                                                       " bytes; at most 1024 are allowed");
    }
    return Status::ok();
}

}  // namespace imgpipe::store
