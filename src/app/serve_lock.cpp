#include "app/serve_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imgpipe::app {

Result<std::unique_ptr<ServeLock>> ServeLock::acquire(const std::string& data_dir) {
    const std::string path = data_dir + "/serve.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char pid[32] = {};
        ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (err != EWOULDBLOCK) return io_error("cannot lock " + path + ": " + std::strerror(err));
        std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
            holder.pop_back();
        }
        return Status(StatusCode::kFailedPrecondition, "DataDirInUse",
                      "data dir " + data_dir +
                          " is already served by another imgpipe process (pid " + holder +
                          "); stop it, or give this one its own --data-dir (api and worker "
                          "roles may share it)");
    }
    const std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
        Status st = io_error("cannot write " + path + ": " + std::strerror(errno));
        ::close(fd);
        return st;
    }
    return std::unique_ptr<ServeLock>(new ServeLock(fd));
}

ServeLock::~ServeLock() { ::close(fd_); }

}  // namespace imgpipe::app
