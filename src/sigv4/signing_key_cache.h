#pragma once
// SigningKeyCache: remembers kSigning per (secret, date, region, service). Deriving it costs four
// HMAC-SHA256s, and it changes only once a day per credential, so code that signs or verifies per
// request (the S3 verifier, the upload API's POST policies) asks this cache instead. Thread-safe;
// bounded: cleared when full (keys roll over daily, so a clear costs one derivation each).

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace imgpipe::sigv4 {

class SigningKeyCache {
  public:
    // The raw kSigning bytes, as signing_key() returns them.
    std::string get(std::string_view secret, std::string_view date, std::string_view region,
                    std::string_view service) const;

  private:
    static constexpr size_t kMaxKeys = 1024;
    mutable std::mutex mu_;
    // secret \0 date \0 region \0 service -> kSigning. GUARDED_BY(mu_)
    mutable std::unordered_map<std::string, std::string> keys_;
};

}  // namespace imgpipe::sigv4
