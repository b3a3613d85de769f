#include "s3/access_keyring.h"

#include <algorithm>
#include <mutex>

namespace imgpipe::s3 {

Result<Action> parse_action(std::string_view name) {
    if (name == "read") return Action::kRead;
    if (name == "write") return Action::kWrite;
    if (name == "admin") return Action::kAdmin;
    return invalid_argument("InvalidArgument",
                            "unknown action '" + std::string(name) + "' (read|write|admin)");
}

Status AccessKeyring::add(AccessKey key) {
    if (key.access_key_id.empty() || key.secret_key.empty()) {
        return invalid_argument("InvalidArgument", "access key id and secret must not be empty");
    }
    std::string id = key.access_key_id;
    std::unique_lock lock(mu_);
    keys_[id] = std::move(key);
    return Status::ok();
}

Status AccessKeyring::replace_all(std::vector<AccessKey> keys) {
    std::map<std::string, AccessKey, std::less<>> next;
    for (auto& key : keys) {
        if (key.access_key_id.empty() || key.secret_key.empty()) {
            return invalid_argument("InvalidArgument",
                                    "access key id and secret must not be empty");
        }
        std::string id = key.access_key_id;
        next[id] = std::move(key);
    }
    std::unique_lock lock(mu_);
    keys_.swap(next);
    return Status::ok();
}

const AccessKey* AccessKeyring::find(std::string_view access_key_id) const {
    auto it = keys_.find(access_key_id);
    return it == keys_.end() ? nullptr : &it->second;
}

bool AccessKeyring::covers(const AccessKey& key, std::string_view bucket) {
    return std::any_of(key.buckets.begin(), key.buckets.end(),
                       [&](const std::string& b) { return b == "*" || b == bucket; });
}

std::optional<std::string> AccessKeyring::secret_for(std::string_view access_key_id) const {
    std::shared_lock lock(mu_);
    const AccessKey* key = find(access_key_id);
    if (key == nullptr) return std::nullopt;
    return key->secret_key;
}

bool AccessKeyring::allows(std::string_view access_key_id, std::string_view bucket,
                           Action action) const {
    std::shared_lock lock(mu_);
    const AccessKey* key = find(access_key_id);
    if (key == nullptr) return false;
    if (bucket.empty()) return true;
    return covers(*key, bucket) && key->actions.contains(action);
}

bool AccessKeyring::may_see_bucket(std::string_view access_key_id, std::string_view bucket) const {
    std::shared_lock lock(mu_);
    const AccessKey* key = find(access_key_id);
    return key != nullptr && covers(*key, bucket);
}

}  // namespace imgpipe::s3
