#pragma once
// StoreLock: which processes have one data dir's store open, told by flock(2) on
// <data>/store.lock. Every process holds a shared lock on it while its LocalObjectStore is open.
// One that gets the lock exclusively when it opens the store is alone with it and may sweep what
// a crash left (temp files, and data files and parts no index row names); with another process
// live — an `s3` process and the workers sharing its data dir — those files may be that
// process's puts in flight, so the sweep is left to the next process that opens the store alone.
// The kernel drops the lock of a process that dies, however it dies.
//
// Not thread-safe; owned by one LocalObjectStore.

#include <memory>
#include <string>

#include "core/result.h"

namespace imgpipe::store {

class StoreLock {
  public:
    // Opens (creating) the lock file at `path` and takes the lock: exclusively if no other
    // process holds it (alone() is then true), else shared. IoError when the file cannot be
    // opened or locked.
    static Result<std::unique_ptr<StoreLock>> acquire(const std::string& path);
    ~StoreLock();
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;

    bool alone() const { return alone_; }
    // Turns the exclusive lock into a shared one, so that other processes can open the store.
    // (Not atomic in flock(2): another process may take it exclusively for a moment in between,
    // and sweep, before this process has any file of its own in the data dir.)
    Status share();

  private:
    StoreLock(int fd, bool alone) : fd_(fd), alone_(alone) {}
    int fd_;
    bool alone_;
};

}  // namespace imgpipe::store
