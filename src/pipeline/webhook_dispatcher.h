#pragma once
// WebhookDispatcher: outgoing notifications (DESIGN.md §6), delivered at least once and in order
// per image, without ever making a worker wait for a receiver.
//
// enqueue() writes one delivery row per configured URL into a SQLite table (the `webhooks`
// table of `pipeline.db`) in one transaction and returns; a delivery thread POSTs each row's
// body with libcurl:
//
//   POST <url>
//   Content-Type: application/json
//   X-Imgpipe-Event: <event name>           ImageProcessed, ImageFailed, ObjectCreated:Put
//   X-Imgpipe-Delivery: <row id>            the same on every attempt of one delivery
//   X-Imgpipe-Signature: sha256=<hex HMAC-SHA256(secret, body)>
//   Authorization: Bearer <bearer_token>    only when one is configured
//
// A 2xx answer deletes the row. Anything else (another status, a refused connection, a timeout)
// keeps it and schedules the next attempt after an exponential backoff with full jitter
// (initial_backoff doubling up to max_backoff), forever: a receiver that is down for a day gets
// its events when it is back, and rows survive restarts. For one URL, a row is not sent before
// every earlier row of the same image was delivered (in order per image); rows of other images
// go ahead meanwhile.
//
// Thread-safe. Time for backoff is the injected Clock's; the thread wakes on enqueue and when
// the next row is due.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace imgpipe::pipeline {

struct WebhookOptions {
    std::vector<std::string> urls;  // http:// or https://; none: enqueue() stores nothing
    std::string secret;             // HMAC key; "" sends no signature header
    // "" sends none; else every post carries `Authorization: Bearer <token>` (what an ingress
    // such as POST /events/s3 checks: the s3 role's bucket notifications).
    std::string bearer_token;
    std::chrono::milliseconds timeout{10'000};  // per attempt, connect + answer
    std::chrono::milliseconds initial_backoff{1'000};
    std::chrono::milliseconds max_backoff{5 * 60'000};
    // Called after each attempt with "delivered" or "failed" (a retry follows), on the delivery
    // thread (metrics). May be null.
    std::function<void(const char* outcome)> on_attempt;
};

struct WebhookEvent {
    std::string image_id;  // orders deliveries: in order per image and URL
    std::string name;      // X-Imgpipe-Event
    std::string body;      // JSON
};

// "sha256=" + lower-case hex HMAC-SHA256 of `body` with `secret`.
std::string webhook_signature(const std::string& secret, const std::string& body);

class WebhookDispatcher {
  public:
    // Opens (creating the table if needed) the outbox in the SQLite file at `db_path`. `clock`
    // outlives the dispatcher. IoError when the database cannot be opened; kInternal when
    // libcurl cannot start. The URLs are taken as given (load_config checks them).
    static Result<std::unique_ptr<WebhookDispatcher>> open(const std::string& db_path,
                                                           WebhookOptions options, Clock& clock);
    virtual ~WebhookDispatcher() = default;

    // Persists one row per URL for each event, in one transaction, in the given order. Returns
    // once committed: the rows survive a crash of the process, and a power loss takes them back
    // only together with every later commit to the file (the job state marked after them);
    // never waits for a delivery. InvalidWebhookEvent
    // (kInvalidArgument) for an event name that is empty or holds control characters (it could
    // never be sent as a header, and would hold up its image's later events for good).
    virtual Status enqueue(const std::vector<WebhookEvent>& events) = 0;

    // Starts the delivery thread. Rows left from an earlier run are delivered too.
    virtual void start() = 0;
    // Stops the thread (an attempt in flight is abandoned and retried after a restart).
    // Idempotent.
    virtual void stop() = 0;

    // Rows not yet delivered.
    virtual Result<int64_t> pending() = 0;
};

}  // namespace imgpipe::pipeline
