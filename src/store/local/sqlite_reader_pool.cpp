#include "store/local/sqlite_reader_pool.h"

namespace imgpipe::store {

SqliteReaderPool::Lease::~Lease() {
    if (c_ == nullptr) return;  // moved from
    lock_.unlock();
    pool_->release(c_);
}

Status SqliteReaderPool::open(const std::string& path, int size) {
    for (int i = 0; i < std::max(size, 1); ++i) {
        auto c = std::make_unique<SqliteConnection>();
        IMGPIPE_RETURN_IF_ERROR(c->open(path, SqliteDb::Sync::kFull, /*query_only=*/true));
        idle_.push_back(c.get());
        connections_.push_back(std::move(c));
    }
    return Status::ok();
}

SqliteReaderPool::Lease SqliteReaderPool::acquire() {
    std::unique_lock lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty(); });
    SqliteConnection* c = idle_.back();
    idle_.pop_back();
    lock.unlock();
    return Lease(*this, *c);
}

void SqliteReaderPool::release(SqliteConnection* c) {
    {
        std::lock_guard lock(mu_);
        idle_.push_back(c);
    }
    returned_.notify_one();
}

}  // namespace imgpipe::store
