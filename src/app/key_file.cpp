#include "app/key_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "core/time_text.h"

namespace imgpipe::app {
namespace {

// Uniform over `alphabet` (rejection sampling), from OpenSSL's CSPRNG; "" without randomness.
std::string random_text(size_t length, std::string_view alphabet) {
    std::string out;
    const unsigned limit = 256 - 256 % alphabet.size();
    while (out.size() < length) {
        unsigned char byte = 0;
        if (RAND_bytes(&byte, 1) != 1) return {};
        if (byte < limit) out += alphabet[byte % alphabet.size()];
    }
    return out;
}

std::string now_text() { return iso8601(std::chrono::system_clock::now()); }

Status write_keys(const std::string& data_dir, const std::vector<StoredKey>& keys) {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& k : keys) {
        doc.push_back({{"id", k.id},
                       {"secret", k.secret},
                       {"buckets", k.buckets},
                       {"actions", k.actions},
                       {"created", k.created},
                       {"revoked", k.revoked}});
    }
    const std::string text = doc.dump(2) + "\n";
    const std::string path = keys_path(data_dir);
    const std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("cannot write " + temp);
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        return io_error("cannot write " + path);
    }
    return Status::ok();
}

// Holds an exclusive flock on <data_dir>/keys.json.lock: a change reads the file, edits it and
// writes it back, and two `imgpipe keys` commands doing that at once would lose one's edit.
class KeyFileLock {
  public:
    static Result<KeyFileLock> acquire(const std::string& data_dir) {
        const std::string path = keys_path(data_dir) + ".lock";
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) return io_error("cannot open " + path);
        while (::flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                ::close(fd);
                return io_error("cannot lock " + path);
            }
        }
        return KeyFileLock(fd);
    }
    KeyFileLock(KeyFileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    KeyFileLock& operator=(KeyFileLock&&) = delete;
    ~KeyFileLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }

  private:
    explicit KeyFileLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace

std::string keys_path(const std::string& data_dir) { return data_dir + "/keys.json"; }

Result<std::vector<StoredKey>> read_keys(const std::string& data_dir) {
    std::ifstream in(keys_path(data_dir));
    if (!in) {
        struct stat st {};
        if (::stat(keys_path(data_dir).c_str(), &st) != 0) return std::vector<StoredKey>{};
        return io_error("cannot read " + keys_path(data_dir));
    }
    std::stringstream text;
    text << in.rdbuf();
    std::vector<StoredKey> keys;
    try {
        auto doc = nlohmann::json::parse(text.str());
        for (const auto& k : doc) {
            keys.push_back({k.at("id").get<std::string>(), k.at("secret").get<std::string>(),
                            k.at("buckets").get<std::vector<std::string>>(),
                            k.at("actions").get<std::vector<std::string>>(), k.value("created", ""),
                            k.value("revoked", "")});
        }
    } catch (const nlohmann::json::exception& e) {
        return invalid_argument("InvalidKeyFile",
                                keys_path(data_dir) + " is not a key file: " + e.what());
    }
    return keys;
}

Result<std::vector<s3::AccessKey>> valid_access_keys(const std::vector<StoredKey>& keys) {
    std::vector<s3::AccessKey> out;
    for (const auto& k : keys) {
        if (!k.revoked.empty()) continue;
        s3::AccessKey key{k.id, k.secret, k.buckets, {}};
        for (const auto& a : k.actions) {
            IMGPIPE_ASSIGN_OR_RETURN(s3::Action action, s3::parse_action(a));
            key.actions.insert(action);
        }
        out.push_back(std::move(key));
    }
    return out;
}

Result<StoredKey> create_key(const std::string& data_dir, const std::vector<std::string>& buckets,
                             const std::vector<std::string>& actions) {
    if (buckets.empty() || actions.empty()) {
        return invalid_argument("InvalidArgument", "a key needs at least one bucket and action");
    }
    for (const auto& a : actions) IMGPIPE_RETURN_IF_ERROR(s3::parse_action(a).status());
    IMGPIPE_ASSIGN_OR_RETURN(KeyFileLock lock, KeyFileLock::acquire(data_dir));
    IMGPIPE_ASSIGN_OR_RETURN(auto keys, read_keys(data_dir));
    StoredKey key{"IMGK" + random_text(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                  random_text(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
                  buckets,
                  actions,
                  now_text(),
                  ""};
    if (key.id.size() != 20 || key.secret.size() != 40) {
        return internal_error("no randomness for a key");
    }
    keys.push_back(key);
    IMGPIPE_RETURN_IF_ERROR(write_keys(data_dir, keys));
    return key;
}

Status revoke_key(const std::string& data_dir, const std::string& id) {
    IMGPIPE_ASSIGN_OR_RETURN(KeyFileLock lock, KeyFileLock::acquire(data_dir));
    IMGPIPE_ASSIGN_OR_RETURN(auto keys, read_keys(data_dir));
    for (auto& k : keys) {
        if (k.id != id) continue;
        if (!k.revoked.empty()) return Status::ok();
        k.revoked = now_text();
        return write_keys(data_dir, keys);
    }
    return not_found("NoSuchKey", "no key " + id);
}

}  // namespace imgpipe::app
