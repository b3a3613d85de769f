#pragma once
// KeyWatcher: keeps a running server's keyring in step with <data_dir>/keys.json. A thread looks
// at the file's identity (inode, size, mtime) every 100 ms and, when it changed, reads it and
// replaces the keyring with the root key plus every valid key, so a created key works and a
// revoked one is refused within a fraction of a second, without a restart. An unreadable or
// broken file is logged and the keys in force stay as they were.
//
// Thread-safe: start() and stop() from one owner thread.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "s3/access_keyring.h"

namespace imgpipe::app {

class KeyWatcher {
  public:
    // `keyring` outlives the watcher; `root` is always in it.
    KeyWatcher(std::string data_dir, s3::AccessKey root, s3::AccessKeyring& keyring);
    ~KeyWatcher();  // stops

    // Loads the file once (an error for a broken file: startup fails) and starts watching.
    Status start();
    void stop();

  private:
    Status reload();
    void run();

    const std::string data_dir_;
    const s3::AccessKey root_;
    s3::AccessKeyring& keyring_;
    std::string seen_;  // the file's identity at the last load; used by the thread only
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;  // GUARDED_BY(mu_)
    std::thread thread_;
};

}  // namespace imgpipe::app
