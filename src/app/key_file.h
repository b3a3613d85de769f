#pragma once
// The key file: extra S3 access keys in <data_dir>/keys.json (mode 0600), besides the root
// credentials. `imgpipe keys create|list|revoke` edit it; a running server watches it
// (KeyWatcher) and applies changes within a fraction of a second, so keys rotate without a
// restart: create the new key, move clients over while both work, revoke the old one. A revoked
// key stays in the file (marked, with its time) so that `keys list` shows the history.
//
// Writes are atomic (temp file, fsync, rename), so a reader sees the old file or the new one;
// changes hold a lock file (keys.json.lock), so `imgpipe keys` commands run at once each keep
// their change.

#include <string>
#include <vector>

#include "core/result.h"
#include "s3/access_keyring.h"

namespace imgpipe::app {

struct StoredKey {
    std::string id;
    std::string secret;
    std::vector<std::string> buckets;  // "*" = every bucket
    std::vector<std::string> actions;  // "read", "write", "admin"
    std::string created;               // ISO 8601
    std::string revoked;               // ISO 8601; "" while valid
};

std::string keys_path(const std::string& data_dir);

// The file's keys; none when it does not exist. InvalidArgument (reason "InvalidKeyFile") when
// it cannot be parsed; IoError when it cannot be read.
Result<std::vector<StoredKey>> read_keys(const std::string& data_dir);

// A new key with a random id and secret for `buckets` and `actions`, appended to the file.
// InvalidArgument for an unknown action or an empty list.
Result<StoredKey> create_key(const std::string& data_dir, const std::vector<std::string>& buckets,
                             const std::vector<std::string>& actions);

// Marks the key revoked. NotFound (reason "NoSuchKey") for an unknown id; ok when it already is.
Status revoke_key(const std::string& data_dir, const std::string& id);

// The valid (not revoked) keys as keyring entries. InvalidArgument for an unknown action.
Result<std::vector<s3::AccessKey>> valid_access_keys(const std::vector<StoredKey>& keys);

}  // namespace imgpipe::app
