#include "pipeline/webhook_outbox.h"

namespace imgpipe::pipeline {
namespace {

// One transaction, so that creating the table costs one fsync rather than one per statement.
// `last_error` stays NULL until an attempt fails.
constexpr const char* kSchema = R"sql(
BEGIN;
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    image_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ns INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS webhooks_by_stream ON webhooks (url, image_id, id);
CREATE INDEX IF NOT EXISTS webhooks_by_due ON webhooks (next_attempt_ns);
COMMIT;
)sql";

// A row is the head of its stream when no earlier row of the same (url, image_id) is left;
// webhooks_by_stream answers that with one index probe per candidate.
constexpr const char* kDue = R"sql(
SELECT id, url, event, body, attempts FROM webhooks AS w
WHERE next_attempt_ns <= ?1
  AND NOT EXISTS (SELECT 1 FROM webhooks AS e
                  WHERE e.url = w.url AND e.image_id = w.image_id AND e.id < w.id)
ORDER BY id LIMIT ?2
)sql";

// Over every row rather than only heads: an index lookup instead of a scan, and a row waiting
// behind a later head only makes the thread look once too early.
constexpr const char* kNextDue =
    "SELECT MIN(next_attempt_ns) FROM webhooks WHERE next_attempt_ns > ?1";

}  // namespace

Result<std::unique_ptr<WebhookOutbox>> WebhookOutbox::open(const std::string& path) {
    IMGPIPE_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path, SqliteDb::Sync::kNormal));
    IMGPIPE_RETURN_IF_ERROR(db->exec(kSchema));
    std::unique_ptr<WebhookOutbox> outbox(new WebhookOutbox(std::move(db)));
    IMGPIPE_RETURN_IF_ERROR(outbox->prepare());
    return outbox;
}

Status WebhookOutbox::prepare() {
    std::lock_guard lock(mu_);
    IMGPIPE_ASSIGN_OR_RETURN(
        insert_, db_->prepare("INSERT INTO webhooks (url, image_id, event, body, next_attempt_ns, "
                              "created_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"));
    IMGPIPE_ASSIGN_OR_RETURN(due_, db_->prepare(kDue));
    IMGPIPE_ASSIGN_OR_RETURN(next_due_, db_->prepare(kNextDue));
    IMGPIPE_ASSIGN_OR_RETURN(delete_, db_->prepare("DELETE FROM webhooks WHERE id = ?1"));
    IMGPIPE_ASSIGN_OR_RETURN(
        reschedule_, db_->prepare("UPDATE webhooks SET attempts = ?2, next_attempt_ns = ?3, "
                                  "last_error = ?4 WHERE id = ?1"));
    IMGPIPE_ASSIGN_OR_RETURN(count_, db_->prepare("SELECT COUNT(*) FROM webhooks"));
    return Status::ok();
}

Status WebhookOutbox::add(const std::vector<std::string>& urls,
                          const std::vector<WebhookEvent>& events, int64_t now_ns) {
    std::lock_guard lock(mu_);
    SqliteTransaction txn(*db_);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    for (const WebhookEvent& event : events) {
        for (const std::string& url : urls) {
            SqliteStatement::Use use(insert_);
            insert_.bind_text(1, url);
            insert_.bind_text(2, event.image_id);
            insert_.bind_text(3, event.name);
            insert_.bind_text(4, event.body);
            insert_.bind_int64(5, now_ns);
            IMGPIPE_RETURN_IF_ERROR(insert_.run());
        }
    }
    return txn.commit();
}

Result<std::vector<WebhookRow>> WebhookOutbox::due(int64_t now_ns, int limit) {
    std::lock_guard lock(mu_);
    SqliteStatement::Use use(due_);
    due_.bind_int64(1, now_ns);
    due_.bind_int64(2, limit);
    std::vector<WebhookRow> rows;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool found, due_.step());
        if (!found) return rows;
        rows.push_back({due_.column_int64(0), due_.column_text(1), due_.column_text(2),
                        due_.column_text(3), due_.column_int64(4)});
    }
}

Result<std::optional<int64_t>> WebhookOutbox::next_due_after(int64_t now_ns) {
    std::lock_guard lock(mu_);
    SqliteStatement::Use use(next_due_);
    next_due_.bind_int64(1, now_ns);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, next_due_.step());
    if (!found || next_due_.column_is_null(0)) return std::optional<int64_t>();
    return std::optional<int64_t>(next_due_.column_int64(0));
}

Status WebhookOutbox::remove(int64_t id) {
    std::lock_guard lock(mu_);
    SqliteStatement::Use use(delete_);
    delete_.bind_int64(1, id);
    return delete_.run();
}

Status WebhookOutbox::reschedule(int64_t id, int64_t attempts, int64_t next_attempt_ns,
                                 const std::string& error) {
    std::lock_guard lock(mu_);
    SqliteStatement::Use use(reschedule_);
    reschedule_.bind_int64(1, id);
    reschedule_.bind_int64(2, attempts);
    reschedule_.bind_int64(3, next_attempt_ns);
    reschedule_.bind_text(4, error);
    return reschedule_.run();
}

Result<int64_t> WebhookOutbox::count() {
    std::lock_guard lock(mu_);
    SqliteStatement::Use use(count_);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, count_.step());
    return found ? count_.column_int64(0) : int64_t{0};
}

}  // namespace imgpipe::pipeline
