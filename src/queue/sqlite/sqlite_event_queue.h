#pragma once
// SqliteEventQueue: the embedded EventQueue — one `queue_messages` table in a SQLite file
// (`pipeline.db` in the data dir, shared with the job store and the webhook outbox, whose
// tables it leaves alone). A message is one row: ready, leased (the lease token and its expiry
// in `visible_at_ns`) or dead. Each operation is one statement or one BEGIN IMMEDIATE
// transaction on prepared statements, so the hot path (claim, ack) costs one commit each. The
// file's commits are not flushed one by one (SqliteDb::Sync::kNormal): they survive a crash of
// the process at once and power loss after sync() (SqliteDb::flush), which is what keeps event →
// job start within a few milliseconds on disks where an fsync alone takes several.
//
// Several instances — in this process or in others, such as `imgpipe jobs` — may open the
// same file: SQLite's write lock (WAL, busy timeout) makes every claim atomic, so a message is
// never leased to two consumers at once. The work generation only moves for publishes,
// releases and requeues made through this instance; the caller's timeout covers the rest.
//
// Thread-safe: a writer and a query-only reader connection, each used under its own mutex.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/change_signal.h"
#include "core/clock.h"
#include "core/sqlite_db.h"
#include "queue/event_queue.h"

namespace imgpipe::queue {

struct QueueOptions {
    // Claims a message may have before a release or a lease running out makes it a dead
    // letter. At least 1.
    int max_deliveries = 5;
};

class SqliteEventQueue final : public EventQueue {
  public:
    // Opens (creating the file and the table if needed) the queue in the SQLite file at
    // `db_path`. `clock` outlives the queue. InvalidArgument for max_deliveries < 1; IoError
    // when the database cannot be opened.
    static Result<std::unique_ptr<SqliteEventQueue>> open(const std::string& db_path, Clock& clock,
                                                          QueueOptions options);

    Status publish(const std::string& dedupe_id, const std::string& body) override;
    Result<std::optional<QueueMessage>> claim(std::chrono::milliseconds lease) override;
    Status ack(const QueueMessage& message) override;
    Status release(const QueueMessage& message, std::chrono::milliseconds delay,
                   const std::string& reason) override;
    Status bury(const QueueMessage& message, const std::string& reason) override;
    Status extend(const QueueMessage& message, std::chrono::milliseconds lease) override;
    // Also moves leases that ran out at max_deliveries first, so the list is complete.
    Result<std::vector<DeadLetter>> dead_letters(int limit) override;
    Status requeue(const std::string& id) override;
    // Counts as the next claim would see the queue: a lease that ran out is ready again, or
    // dead if it was the last delivery allowed.
    Result<QueueStats> stats() override;
    Result<std::optional<TimePoint>> oldest_published() override;
    Status sync() override;
    // Also the end of a lease at max_deliveries: the claim after it makes a dead letter.
    Result<std::optional<TimePoint>> next_visible_at() override;
    uint64_t work_generation() const override;
    uint64_t wait_for_work(uint64_t seen, std::chrono::milliseconds timeout) override;

  private:
    SqliteEventQueue(Clock& clock, QueueOptions options) : clock_(clock), options_(options) {}

    int64_t now_ns() const;
    // Whether any message is visible now (a claim would have work). Reader.
    Result<bool> any_visible(int64_t now);
    // Moves the messages whose lease ran out at max_deliveries to the dead letters.
    // REQUIRES: writer_.mu held, inside a transaction.
    Status bury_expired_leases(int64_t now);
    // Why a statement keyed by id and lease matched nothing: LeaseLost or NoSuchMessage.
    // REQUIRES: writer_.mu held.
    Status lease_error(const std::string& id);
    // Runs `sql` with ?1 = id, ?2 = lease and whatever `bind_more` binds (?3 on) on the writer;
    // lease_error when it matched no row.
    Status update_leased(const char* sql, const QueueMessage& message,
                         const std::function<void(SqliteStatement&)>& bind_more = nullptr);

    Clock& clock_;
    const QueueOptions options_;
    SqliteConnection writer_;
    SqliteConnection reader_;
    // Bumped after every publish, release and requeue that this instance commits.
    ChangeSignal work_;
};

}  // namespace imgpipe::queue
