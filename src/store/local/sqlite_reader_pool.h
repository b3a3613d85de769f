#pragma once
// SqliteReaderPool: a few query-only connections to one database file, lent out one per read.
// In WAL mode each connection reads its own snapshot without blocking the writer or the other
// readers, so a GET's lookup does not queue behind a listing that is stepping through thousands
// of rows (as it did behind the single mutex-guarded reader this replaces).
//
// acquire() waits while every connection is lent. A Lease holds its connection's mutex for its
// lifetime, so the "REQUIRES: c.mu held" contracts of code written against SqliteConnection
// stay true. Thread-safe; a Lease is used by one thread.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/sqlite_db.h"

namespace imgpipe::store {

class SqliteReaderPool {
  public:
    class Lease {
      public:
        Lease(SqliteReaderPool& pool, SqliteConnection& c) : pool_(&pool), c_(&c), lock_(c.mu) {}
        Lease(Lease&& other) noexcept
            : pool_(other.pool_),
              c_(std::exchange(other.c_, nullptr)),
              lock_(std::move(other.lock_)) {}
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        SqliteConnection& operator*() const { return *c_; }
        SqliteConnection* operator->() const { return c_; }

      private:
        SqliteReaderPool* pool_;
        SqliteConnection* c_;
        std::unique_lock<std::mutex> lock_;
    };

    // Opens `size` (>= 1) query-only connections to `path`.
    Status open(const std::string& path, int size);
    // A connection for one read; waits while all are lent. REQUIRES: open() succeeded.
    Lease acquire();

  private:
    void release(SqliteConnection* c);

    std::vector<std::unique_ptr<SqliteConnection>> connections_;
    std::mutex mu_;
    std::condition_variable returned_;
    std::vector<SqliteConnection*> idle_;  // GUARDED_BY(mu_)
};

}  // namespace imgpipe::store
