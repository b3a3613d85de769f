#pragma once
// AccessKeyring: the S3 endpoint's access keys, an IAM-sized subset. Each key has a secret, the
// buckets it may touch ("*" for all) and the actions it may take there: read (get, head, list),
// write (put, delete, copy, multipart) and admin (create and delete buckets). It is the
// sigv4::CredentialProvider the Verifier checks signatures against, and the place the S3 handlers
// ask whether a verified key may do what it asks. Thread-safe: the keys may be replaced while
// requests are verified (`imgpipe keys` changes picked up by a running server).

#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sigv4/sigv4.h"

namespace imgpipe::s3 {

enum class Action { kRead, kWrite, kAdmin };

// "read" | "write" | "admin"; InvalidArgument otherwise.
Result<Action> parse_action(std::string_view name);

struct AccessKey {
    std::string access_key_id;
    std::string secret_key;
    std::vector<std::string> buckets = {"*"};  // "*" = every bucket
    std::set<Action> actions = {Action::kRead, Action::kWrite, Action::kAdmin};
};

class AccessKeyring final : public sigv4::CredentialProvider {
  public:
    AccessKeyring() = default;
    // Adds or replaces a key. InvalidArgument for an empty id or secret.
    [[nodiscard]] Status add(AccessKey key);
    // Makes `keys` the whole keyring at once (a request sees the old set or the new one).
    // InvalidArgument, changing nothing, if a key has an empty id or secret.
    [[nodiscard]] Status replace_all(std::vector<AccessKey> keys);

    std::optional<std::string> secret_for(std::string_view access_key_id) const override;
    // True if the key exists and may take `action` on `bucket`. An empty bucket (ListBuckets)
    // is allowed to every known key; the listing is then filtered with `may_see_bucket`.
    bool allows(std::string_view access_key_id, std::string_view bucket, Action action) const;
    // True if the key may take any action on `bucket`.
    bool may_see_bucket(std::string_view access_key_id, std::string_view bucket) const;

  private:
    // REQUIRES: mu_ held (shared).
    const AccessKey* find(std::string_view access_key_id) const;
    static bool covers(const AccessKey& key, std::string_view bucket);

    mutable std::shared_mutex mu_;
    std::map<std::string, AccessKey, std::less<>> keys_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::s3
