#pragma once
// BucketNotifier: the s3 role's own bucket notifications (DESIGN.md §7, `--notify-url`), so that
// an imgpipe store can stand in for Ceph RGW or MinIO in front of other imgpipe nodes. It is an
// OutboxRelay target: each object created in one of the notified buckets becomes one POST to
// every target URL, body `{"Records":[record]}` in the S3 event notification format (one record
// per POST, as RGW's and MinIO's persistent push endpoints send them), with
// `Authorization: Bearer <token>` — what an api node's POST /events/s3 takes.
//
// Delivery is the WebhookDispatcher's: hand_on() commits one row per (record, URL) to its SQLite
// outbox before the relay deletes the store's event, and the rows are retried with backoff until
// the endpoint answers 2xx, across restarts; in order per key and URL. The record's sequencer is
// the store's event seq, so a receiver takes a redelivered record once. Removals and other
// buckets (the destination bucket above all) are not sent, as a notification configured for
// `s3:ObjectCreated:*` on the source bucket would not send them.
//
// Thread-safe as the dispatcher is; hand_on() and sync() come from the relay's one thread.

#include <memory>
#include <set>
#include <string>

#include "pipeline/outbox_relay.h"
#include "pipeline/webhook_dispatcher.h"

namespace imgpipe::pipeline {

class BucketNotifier final : public RelayTarget {
  public:
    // `dispatcher` is started and stopped by its owner; it outlives the notifier.
    BucketNotifier(WebhookDispatcher& dispatcher, std::set<std::string> buckets)
        : dispatcher_(dispatcher), buckets_(std::move(buckets)) {}

    // Persists the notifications of the records that are sent (see above). The dispatcher's
    // errors (IoError, Busy): the relay offers the batch again.
    Status hand_on(const std::vector<S3EventRecord>& records) override;
    // Nothing to do: hand_on() returns once its rows are committed.
    Status sync() override { return Status::ok(); }

  private:
    WebhookDispatcher& dispatcher_;
    const std::set<std::string> buckets_;
};

}  // namespace imgpipe::pipeline
