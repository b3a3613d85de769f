#pragma once
// ServeLock: one `s3` role per data dir. The process serving a data dir's store holds
// flock(2) on <data>/serve.lock exclusively, with its pid written in the file; a second one
// started on the same dir refuses at once with an error naming that pid, instead of serving the
// same objects beside it. Processes without the s3 role (api nodes and workers reaching the
// store through a shared data dir) take no part. The kernel drops the lock of a process that
// dies, however it dies, so a stale file never blocks a restart.
//
// Not thread-safe; owned by the roles of one process.

#include <memory>
#include <string>

#include "core/result.h"

namespace imgpipe::app {

class ServeLock {
  public:
    // Takes the lock of `data_dir`. FailedPrecondition (DataDirInUse) when another live process
    // holds it; IoError when the file cannot be opened or written.
    static Result<std::unique_ptr<ServeLock>> acquire(const std::string& data_dir);
    ~ServeLock();
    ServeLock(const ServeLock&) = delete;
    ServeLock& operator=(const ServeLock&) = delete;

  private:
    explicit ServeLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace imgpipe::app
