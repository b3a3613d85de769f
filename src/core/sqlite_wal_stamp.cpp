#include "core/sqlite_wal_stamp.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace imgpipe {
namespace {

constexpr size_t kHeaderWords = std::tuple_size_v<SqliteWalStamp::Value>;
constexpr size_t kMapBytes = 2 * kHeaderWords * sizeof(uint32_t);

// Word by word, as the writer's memcpy may be seen half done: the copies' comparison catches that.
SqliteWalStamp::Value load(const uint32_t* words) {
    SqliteWalStamp::Value v{};
    for (size_t i = 0; i < kHeaderWords; ++i) v[i] = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
    return v;
}

}  // namespace

Result<std::unique_ptr<SqliteWalStamp>> SqliteWalStamp::open(const std::string& db_path) {
    const std::string path = db_path + "-shm";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Status(StatusCode::kUnavailable, "IoError",
                      "open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    const bool big_enough = ::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= kMapBytes;
    void* map = big_enough ? ::mmap(nullptr, kMapBytes, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    const int map_errno = errno;
    ::close(fd);  // the mapping keeps the file
    if (map == MAP_FAILED) {
        return Status(StatusCode::kUnavailable, "IoError",
                      big_enough ? "mmap " + path + ": " + std::strerror(map_errno)
                                 : path + " holds no wal-index yet");
    }
    return std::unique_ptr<SqliteWalStamp>(new SqliteWalStamp(map, kMapBytes));
}

SqliteWalStamp::~SqliteWalStamp() { ::munmap(const_cast<void*>(map_), size_); }

std::optional<SqliteWalStamp::Value> SqliteWalStamp::read() const {
    // As SQLite's own readers do (walIndexTryHdr): the first copy, a barrier, the second.
    const auto* words = static_cast<const uint32_t*>(map_);
    const Value first = load(words);
    std::atomic_thread_fence(std::memory_order_acquire);
    const Value second = load(words + kHeaderWords);
    if (first != second) return std::nullopt;
    return first;
}

}  // namespace imgpipe
