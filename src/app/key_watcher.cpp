#include "app/key_watcher.h"

#include <sys/stat.h>

#include <chrono>

#include "app/key_file.h"
#include "core/log.h"
#include "core/thread_name.h"

namespace imgpipe::app {
namespace {

constexpr std::chrono::milliseconds kPollInterval{100};

// Changes whenever the file is replaced (keys are written by rename: a new inode) or edited.
std::string identity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "none";
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

KeyWatcher::KeyWatcher(std::string data_dir, s3::AccessKey root, s3::AccessKeyring& keyring)
    : data_dir_(std::move(data_dir)), root_(std::move(root)), keyring_(keyring) {}

KeyWatcher::~KeyWatcher() { stop(); }

Status KeyWatcher::reload() {
    std::string id = identity(keys_path(data_dir_));
    IMGPIPE_ASSIGN_OR_RETURN(auto stored, read_keys(data_dir_));
    IMGPIPE_ASSIGN_OR_RETURN(auto keys, valid_access_keys(stored));
    const size_t extra = keys.size();
    keys.push_back(root_);  // last: a key file cannot shadow the root key
    IMGPIPE_RETURN_IF_ERROR(keyring_.replace_all(std::move(keys)));
    seen_ = id;
    log::info("access keys loaded", {{"keys", static_cast<int64_t>(extra)}});
    return Status::ok();
}

Status KeyWatcher::start() {
    IMGPIPE_RETURN_IF_ERROR(reload());
    thread_ = std::thread([this] {
        name_this_thread("key-watcher");
        run();
    });
    return Status::ok();
}

void KeyWatcher::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void KeyWatcher::run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kPollInterval, [this] { return stopping_; })) {
        if (identity(keys_path(data_dir_)) == seen_) continue;
        lock.unlock();
        if (Status st = reload(); !st.is_ok()) {
            log::error("access keys not reloaded; the previous keys stay in force",
                       {{"error", st.to_string()}});
            seen_ = identity(keys_path(data_dir_));  // do not log again until it changes
        }
        lock.lock();
    }
}

}  // namespace imgpipe::app
