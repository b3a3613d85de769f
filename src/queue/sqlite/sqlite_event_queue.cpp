#include "queue/sqlite/sqlite_event_queue.h"

#include <openssl/rand.h>

#include "core/hex.h"

namespace imgpipe::queue {

namespace {

// One transaction, so creating the table costs one fsync; IMMEDIATE, so connections opening a
// new file at the same time wait for each other instead of failing with Busy. `seq` (the rowid) is
// the publish order. `visible_at_ns` is when a ready message may be claimed, or when a lease runs
// out. queue_live serves claim and next_visible_at; queue_leased finds leases that ran out without
// walking the backlog of ready messages; queue_dead lists the dead letters.
constexpr const char* kSchema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'dead')),
    visible_at_ns INTEGER NOT NULL,
    lease TEXT,
    deliveries INTEGER NOT NULL,
    published_ns INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    died_ns INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_live ON queue_messages (visible_at_ns, seq)
    WHERE state <> 'dead';
CREATE INDEX IF NOT EXISTS queue_leased ON queue_messages (visible_at_ns)
    WHERE state = 'leased';
CREATE INDEX IF NOT EXISTS queue_dead ON queue_messages (died_ns, seq)
    WHERE state = 'dead';
COMMIT;
)sql";

// 96 random bits: lease tokens only need to differ between claims, across processes too.
Result<std::string> new_lease_token() {
    unsigned char bytes[12];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return internal_error("RAND_bytes failed");
    return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

Result<std::unique_ptr<SqliteEventQueue>> SqliteEventQueue::open(const std::string& db_path,
                                                                 Clock& clock,
                                                                 QueueOptions options) {
    if (options.max_deliveries < 1) {
        return invalid_argument("InvalidQueueOptions", "max_deliveries must be at least 1");
    }
    std::unique_ptr<SqliteEventQueue> queue(new SqliteEventQueue(clock, options));
    IMGPIPE_RETURN_IF_ERROR(
        queue->writer_.open(db_path, SqliteDb::Sync::kNormal, /*query_only=*/false));
    IMGPIPE_RETURN_IF_ERROR(queue->writer_.db->exec(kSchema));
    IMGPIPE_RETURN_IF_ERROR(
        queue->reader_.open(db_path, SqliteDb::Sync::kNormal, /*query_only=*/true));
    return queue;
}

int64_t SqliteEventQueue::now_ns() const { return to_nanos(clock_.now()); }

Status SqliteEventQueue::publish(const std::string& dedupe_id, const std::string& body) {
    if (dedupe_id.empty()) return invalid_argument("InvalidMessageId", "empty dedupe id");
    {
        std::lock_guard lock(writer_.mu);
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s,
            writer_.stmt("INSERT INTO queue_messages "
                         "(id, body, state, visible_at_ns, deliveries, published_ns) "
                         "VALUES (?1, ?2, 'ready', ?3, 0, ?3) ON CONFLICT (id) DO NOTHING"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, dedupe_id);
        s->bind_text(2, body);
        s->bind_int64(3, now_ns());
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    work_.notify();
    return Status::ok();
}

Result<bool> SqliteEventQueue::any_visible(int64_t now) {
    std::lock_guard lock(reader_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, reader_.stmt("SELECT 1 FROM queue_messages WHERE state <> "
                                                   "'dead' AND visible_at_ns <= ?1 LIMIT 1"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, now);
    return s->step();
}

Status SqliteEventQueue::bury_expired_leases(int64_t now) {
    // A lease runs out at visible_at_ns: that is when the message died.
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s,
        writer_.stmt("UPDATE queue_messages SET state = 'dead', reason = ?1, "
                     "died_ns = visible_at_ns, lease = NULL "
                     "WHERE state = 'leased' AND visible_at_ns <= ?2 AND deliveries >= ?3"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, kLeaseExpiredReason);
    s->bind_int64(2, now);
    s->bind_int64(3, options_.max_deliveries);
    return s->run();
}

Result<std::optional<QueueMessage>> SqliteEventQueue::claim(std::chrono::milliseconds lease) {
    const int64_t now = now_ns();
    // Idle consumers poll; answering them from the reader keeps them off the write lock that
    // publishers and busy consumers need. Nothing visible also means no lease ran out.
    IMGPIPE_ASSIGN_OR_RETURN(bool visible, any_visible(now));
    if (!visible) return std::optional<QueueMessage>();
    IMGPIPE_ASSIGN_OR_RETURN(std::string token, new_lease_token());

    std::lock_guard lock(writer_.mu);
    SqliteTransaction txn(*writer_.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(bury_expired_leases(now));
    std::optional<QueueMessage> out;
    {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s,
            writer_.stmt("UPDATE queue_messages SET state = 'leased', lease = ?1, "
                         "visible_at_ns = ?2, deliveries = deliveries + 1 "
                         "WHERE seq = (SELECT seq FROM queue_messages WHERE state <> 'dead' AND "
                         "visible_at_ns <= ?3 ORDER BY visible_at_ns, seq LIMIT 1) "
                         "RETURNING id, body, deliveries, published_ns"));
        SqliteStatement::Use use(*s);  // finishes the statement before the commit
        s->bind_text(1, token);
        s->bind_int64(2, now + nanos_of(lease));
        s->bind_int64(3, now);
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (row) {
            out = QueueMessage{s->column_text(0), s->column_text(1),
                               static_cast<int>(s->column_int64(2)), token,
                               from_nanos(s->column_int64(3))};
        }
    }
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return out;
}

Status SqliteEventQueue::lease_error(const std::string& id) {
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, writer_.stmt("SELECT 1 FROM queue_messages WHERE id = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, id);
    IMGPIPE_ASSIGN_OR_RETURN(bool exists, s->step());
    if (!exists) return not_found(kNoSuchMessage, "no message " + id);
    return {StatusCode::kFailedPrecondition, kLeaseLost, "message " + id + " has another lease"};
}

Status SqliteEventQueue::update_leased(const char* sql, const QueueMessage& message,
                                       const std::function<void(SqliteStatement&)>& bind_more) {
    std::lock_guard lock(writer_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, writer_.stmt(sql));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, message.id);
        s->bind_text(2, message.lease);
        if (bind_more) bind_more(*s);
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    if (writer_.db->changes() == 0) return lease_error(message.id);
    return Status::ok();
}

Status SqliteEventQueue::ack(const QueueMessage& message) {
    return update_leased(
        "DELETE FROM queue_messages WHERE id = ?1 AND lease = ?2 AND state = 'leased'", message);
}

Status SqliteEventQueue::bury(const QueueMessage& message, const std::string& reason) {
    return update_leased(
        "UPDATE queue_messages SET state = 'dead', died_ns = ?3, reason = ?4, lease = NULL "
        "WHERE id = ?1 AND lease = ?2 AND state = 'leased'",
        message, [&](SqliteStatement& s) {
            s.bind_int64(3, now_ns());
            s.bind_text(4, reason);
        });
}

Status SqliteEventQueue::extend(const QueueMessage& message, std::chrono::milliseconds lease) {
    return update_leased(
        "UPDATE queue_messages SET visible_at_ns = ?3 "
        "WHERE id = ?1 AND lease = ?2 AND state = 'leased'",
        message, [&](SqliteStatement& s) { s.bind_int64(3, now_ns() + nanos_of(lease)); });
}

Status SqliteEventQueue::release(const QueueMessage& message, std::chrono::milliseconds delay,
                                 const std::string& reason) {
    IMGPIPE_RETURN_IF_ERROR(
        update_leased("UPDATE queue_messages SET "
                      "state = CASE WHEN deliveries >= ?3 THEN 'dead' ELSE 'ready' END, "
                      "died_ns = CASE WHEN deliveries >= ?3 THEN ?4 ELSE 0 END, "
                      "visible_at_ns = ?4 + ?5, reason = ?6, lease = NULL "
                      "WHERE id = ?1 AND lease = ?2 AND state = 'leased'",
                      message, [&](SqliteStatement& s) {
                          const int64_t now = now_ns();
                          s.bind_int64(3, options_.max_deliveries);
                          s.bind_int64(4, now);
                          s.bind_int64(5, nanos_of(delay));
                          s.bind_text(6, reason);
                      }));
    work_.notify();
    return Status::ok();
}

Result<std::vector<DeadLetter>> SqliteEventQueue::dead_letters(int limit) {
    std::vector<DeadLetter> out;
    if (limit <= 0) return out;
    std::lock_guard lock(writer_.mu);
    SqliteTransaction txn(*writer_.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(bury_expired_leases(now_ns()));
    {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s, writer_.stmt("SELECT id, body, deliveries, reason, published_ns, died_ns "
                                  "FROM queue_messages WHERE state = 'dead' "
                                  "ORDER BY died_ns, seq LIMIT ?1"));
        SqliteStatement::Use use(*s);
        s->bind_int64(1, limit);
        for (;;) {
            IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
            if (!row) break;
            out.push_back({s->column_text(0), s->column_text(1),
                           static_cast<int>(s->column_int64(2)), s->column_text(3),
                           from_nanos(s->column_int64(4)), from_nanos(s->column_int64(5))});
        }
    }
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return out;
}

Status SqliteEventQueue::requeue(const std::string& id) {
    const int64_t now = now_ns();
    {
        std::lock_guard lock(writer_.mu);
        SqliteTransaction txn(*writer_.db);
        IMGPIPE_RETURN_IF_ERROR(txn.status());
        // A lease that ran out at the limit is a dead letter even if no claim has moved it yet.
        IMGPIPE_RETURN_IF_ERROR(bury_expired_leases(now));
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s, writer_.stmt("UPDATE queue_messages SET state = 'ready', deliveries = 0, "
                                  "visible_at_ns = ?2, reason = '', died_ns = 0, lease = NULL "
                                  "WHERE id = ?1 AND state = 'dead'"));
        {
            SqliteStatement::Use use(*s);
            s->bind_text(1, id);
            s->bind_int64(2, now);
            IMGPIPE_RETURN_IF_ERROR(s->run());
        }
        if (writer_.db->changes() == 0) return not_found(kNoSuchMessage, "no dead letter " + id);
        IMGPIPE_RETURN_IF_ERROR(txn.commit());
    }
    work_.notify();
    return Status::ok();
}

Result<QueueStats> SqliteEventQueue::stats() {
    std::lock_guard lock(reader_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, reader_.stmt("SELECT "
                              "COUNT(*) FILTER (WHERE state = 'ready' OR (state = 'leased' AND "
                              "visible_at_ns <= ?1 AND deliveries < ?2)), "
                              "COUNT(*) FILTER (WHERE state = 'leased' AND visible_at_ns > ?1), "
                              "COUNT(*) FILTER (WHERE state = 'dead' OR (state = 'leased' AND "
                              "visible_at_ns <= ?1 AND deliveries >= ?2)) "
                              "FROM queue_messages"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, now_ns());
    s->bind_int64(2, options_.max_deliveries);
    IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return internal_error("stats query returned no row");
    return QueueStats{s->column_int64(0), s->column_int64(1), s->column_int64(2)};
}

Result<std::optional<TimePoint>> SqliteEventQueue::oldest_published() {
    std::lock_guard lock(reader_.mu);
    // A lease at max_deliveries that ran out is dead in all but name (stats() counts it so).
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, reader_.stmt("SELECT MIN(published_ns) FROM queue_messages WHERE state <> 'dead' "
                              "AND NOT (state = 'leased' AND visible_at_ns <= ?1 AND "
                              "deliveries >= ?2)"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, now_ns());
    s->bind_int64(2, options_.max_deliveries);
    IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row || s->column_is_null(0)) return std::optional<TimePoint>();
    return std::optional<TimePoint>(from_nanos(s->column_int64(0)));
}

Result<std::optional<TimePoint>> SqliteEventQueue::next_visible_at() {
    std::lock_guard lock(reader_.mu);
    // A lease at max_deliveries is included: when it runs out, a claim must move it to the
    // dead letters, so the consumer should wake then too.
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, reader_.stmt("SELECT MIN(visible_at_ns) FROM queue_messages "
                                                   "WHERE state <> 'dead' AND visible_at_ns > ?1"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, now_ns());
    IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row || s->column_is_null(0)) return std::optional<TimePoint>();
    return std::optional<TimePoint>(from_nanos(s->column_int64(0)));
}

uint64_t SqliteEventQueue::work_generation() const { return work_.generation(); }

Status SqliteEventQueue::sync() {
    std::lock_guard lock(writer_.mu);
    return writer_.db->flush();
}

uint64_t SqliteEventQueue::wait_for_work(uint64_t seen, std::chrono::milliseconds timeout) {
    return work_.wait(seen, timeout);
}

}  // namespace imgpipe::queue
