#include "pipeline/event_ingress.h"

#include "core/log.h"

namespace imgpipe::pipeline {

std::string message_id_for(const std::string& image_id, const std::string& sequencer) {
    return image_id + "@" + sequencer;
}

EventIngress::EventIngress(queue::EventQueue& queue, queue::JobStore& jobs, const ImageIds& ids,
                           std::string source_bucket)
    : queue_(queue), jobs_(jobs), ids_(ids), source_bucket_(std::move(source_bucket)) {}

Result<int> EventIngress::ingest(const std::vector<S3EventRecord>& records) {
    int jobs = 0;
    for (S3EventRecord record : records) {
        if (!record.is_created() || record.bucket != source_bucket_) continue;
        // A store that sends no sequencer (none seen so far) still orders creations by time;
        // the message carries it so the worker names the same creation.
        if (record.sequencer.empty()) {
            record.sequencer = local_sequencer(record.time.time_since_epoch().count());
        }
        queue::JobSubmission s;
        s.id = ids_.id_for(record.bucket, record.key);
        s.bucket = record.bucket;
        s.key = record.key;
        s.etag = record.etag;
        s.size = record.size;
        s.sequencer = record.sequencer;
        s.event = to_s3_event_json({record});
        IMGPIPE_ASSIGN_OR_RETURN(bool current, jobs_.submit(s));
        if (!current) {
            log::info("stale event skipped", {{"image_id", s.id}, {"sequencer", s.sequencer}});
            continue;
        }
        IMGPIPE_RETURN_IF_ERROR(queue_.publish(message_id_for(s.id, s.sequencer), s.event));
        ++jobs;
    }
    return jobs;
}

}  // namespace imgpipe::pipeline
