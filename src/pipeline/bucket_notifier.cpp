#include "pipeline/bucket_notifier.h"

namespace imgpipe::pipeline {

Status BucketNotifier::hand_on(const std::vector<S3EventRecord>& records) {
    std::vector<WebhookEvent> events;
    for (const auto& r : records) {
        if (!r.is_created() || !buckets_.count(r.bucket)) continue;
        // Ordered per object: a later creation of the same key never overtakes an earlier one,
        // so a receiver that drops stale sequencers drops nothing it should keep.
        events.push_back({r.bucket + "/" + r.key, "s3:" + r.event_name, to_s3_event_json({r})});
    }
    if (events.empty()) return Status::ok();
    return dispatcher_.enqueue(events);
}

}  // namespace imgpipe::pipeline
