#include "sigv4/signing_key_cache.h"

#include "sigv4/sigv4.h"

namespace imgpipe::sigv4 {

std::string SigningKeyCache::get(std::string_view secret, std::string_view date,
                                 std::string_view region, std::string_view service) const {
    std::string cache_key(secret);
    for (std::string_view part : {date, region, service}) {
        cache_key.push_back('\0');
        cache_key += part;
    }
    {
        std::lock_guard lock(mu_);
        auto it = keys_.find(cache_key);
        if (it != keys_.end()) return it->second;
    }
    std::string key = signing_key(secret, date, region, service);
    std::lock_guard lock(mu_);
    if (keys_.size() >= kMaxKeys) keys_.clear();
    keys_.emplace(std::move(cache_key), key);
    return key;
}

}  // namespace imgpipe::sigv4
