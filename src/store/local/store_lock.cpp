#include "store/local/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imgpipe::store {
namespace {

Status lock_error(const std::string& what, const std::string& path) {
    return io_error(what + " " + path + ": " + std::strerror(errno));
}

// flock, retried when a signal interrupts the wait.
int flock_retrying(int fd, int op) {
    int rc;
    do {
        rc = ::flock(fd, op);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

}  // namespace

Result<std::unique_ptr<StoreLock>> StoreLock::acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return lock_error("cannot open the store lock", path);
    if (flock_retrying(fd, LOCK_EX | LOCK_NB) == 0) {
        return std::unique_ptr<StoreLock>(new StoreLock(fd, true));
    }
    if (errno != EWOULDBLOCK) {
        Status st = lock_error("cannot lock", path);
        ::close(fd);
        return st;
    }
    // Another process has the store open: share it (waiting out an exclusive holder's sweep).
    if (flock_retrying(fd, LOCK_SH) != 0) {
        Status st = lock_error("cannot lock", path);
        ::close(fd);
        return st;
    }
    return std::unique_ptr<StoreLock>(new StoreLock(fd, false));
}

StoreLock::~StoreLock() { ::close(fd_); }

Status StoreLock::share() {
    if (!alone_) return Status::ok();
    if (flock_retrying(fd_, LOCK_SH) != 0)
        return io_error(std::string("store lock: ") + std::strerror(errno));
    alone_ = false;
    return Status::ok();
}

}  // namespace imgpipe::store
