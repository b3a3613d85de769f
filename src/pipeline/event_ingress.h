#pragma once
// EventIngress: where object-created events enter the pipeline — from the local store's outbox
// (OutboxRelay) or, for an external store, its notifications (an API ingress to come). For each
// record that creates an object in the source bucket it records the job (pending, or
// superseding the job of an earlier creation of the same key) and then publishes the record to
// the queue; everything else (removals, other buckets — the destination bucket above all, so a
// variant never triggers a resize) is skipped. Job first, message second: a crash in between
// leaves a pending job whose event the caller delivers again, never a message without a job.
// Thread-safe (the ports are).

#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/image_id.h"
#include "pipeline/s3_event.h"
#include "queue/event_queue.h"
#include "queue/job_store.h"

namespace imgpipe::pipeline {

// The queue message id of one creation: the same for every delivery of that event, so a
// repeated ingest of it publishes nothing new.
std::string message_id_for(const std::string& image_id, const std::string& sequencer);

class EventIngress {
  public:
    // The ports and `ids` outlive the ingress.
    EventIngress(queue::EventQueue& queue, queue::JobStore& jobs, const ImageIds& ids,
                 std::string source_bucket);

    // Ingests every record; returns how many started or superseded a job. Stops at the first
    // failure of the queue or the job store (IoError, Busy: transient) so that the caller
    // delivers the whole batch again.
    Result<int> ingest(const std::vector<S3EventRecord>& records);

  private:
    queue::EventQueue& queue_;
    queue::JobStore& jobs_;
    const ImageIds& ids_;
    const std::string source_bucket_;
};

}  // namespace imgpipe::pipeline
