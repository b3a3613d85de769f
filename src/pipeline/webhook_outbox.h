#pragma once
// WebhookOutbox: the `webhooks` table behind WebhookDispatcher — one row per (event, URL) still
// to be delivered, in a SQLite file shared with other tables (only this table and its indexes
// are created here). Rows are ordered by `id`; a (url, image_id) pair is a stream whose rows go
// out one after another, so only the lowest id of each stream is ever offered for delivery.
// Times are nanoseconds since the Unix epoch of the dispatcher's Clock. Errors are SqliteDb's
// (kUnavailable "IoError"/"Busy", kResourceExhausted "DiskFull").
//
// Thread-safe: one connection behind a mutex, held only for the duration of one call.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/sqlite_db.h"
#include "pipeline/webhook_dispatcher.h"

namespace imgpipe::pipeline {

struct WebhookRow {
    int64_t id = 0;
    std::string url;
    std::string event;
    std::string body;
    int64_t attempts = 0;  // failed attempts so far
};

class WebhookOutbox {
  public:
    // Opens the file at `path`, creating the table and its indexes if needed.
    static Result<std::unique_ptr<WebhookOutbox>> open(const std::string& path);

    // Adds one row per URL for each event (events in order, then URLs in order) in one
    // transaction, due at once.
    Status add(const std::vector<std::string>& urls, const std::vector<WebhookEvent>& events,
               int64_t now_ns);

    // Up to `limit` rows due at `now_ns` that are the first of their stream, by id.
    Result<std::vector<WebhookRow>> due(int64_t now_ns, int limit);

    // The earliest due time after `now_ns` of any row, nullopt when there is none. A lower
    // bound for when due() next has something (a row may wait behind its stream's head), cheap
    // enough to ask on every idle turn.
    Result<std::optional<int64_t>> next_due_after(int64_t now_ns);

    // Deletes a delivered row.
    Status remove(int64_t id);
    // Records a failed attempt: the new attempt count, when to try again and why it failed.
    Status reschedule(int64_t id, int64_t attempts, int64_t next_attempt_ns,
                      const std::string& error);

    // Rows not yet delivered.
    Result<int64_t> count();

  private:
    explicit WebhookOutbox(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
    Status prepare();

    std::mutex mu_;
    // Declared before the statements so that they are finalized first.
    std::unique_ptr<SqliteDb> db_;  // GUARDED_BY(mu_)
    SqliteStatement insert_;        // GUARDED_BY(mu_)
    SqliteStatement due_;           // GUARDED_BY(mu_)
    SqliteStatement next_due_;      // GUARDED_BY(mu_)
    SqliteStatement delete_;        // GUARDED_BY(mu_)
    SqliteStatement reschedule_;    // GUARDED_BY(mu_)
    SqliteStatement count_;         // GUARDED_BY(mu_)
};

}  // namespace imgpipe::pipeline
