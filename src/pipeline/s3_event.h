#pragma once
// S3EventRecord and its JSON: the S3 event notification format (docs/s3-compat.md §4, AWS "Event
// message structure"), which is what the queue carries, what the webhooks send for each variant
// and what external stores (AWS, MinIO, Ceph RGW) POST to the ingress. Writing follows AWS:
// eventVersion 2.1, eventSource aws:s3, the key form-URL-encoded, size a number, eTag unquoted,
// time with milliseconds. Reading takes AWS's, MinIO's and Ceph's dialects: keys are decoded for
// every source except Ceph (`ceph:s3` sends them raw). Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace imgpipe::pipeline {

struct S3EventRecord {
    std::string event_name;  // without "s3:": "ObjectCreated:Post", "ObjectRemoved:Delete"
    std::string event_source = "aws:s3";
    std::string region;
    std::chrono::system_clock::time_point time;
    std::string bucket;
    std::string key;  // decoded
    uint64_t size = 0;
    std::string etag;       // unquoted
    std::string sequencer;  // hex; greater = later change of the same key ("" if not sent)

    bool is_created() const { return event_name.rfind("ObjectCreated:", 0) == 0; }
};

// The sequencer of the local store's outbox event `seq`: 16 upper-case hex digits, so that
// sequencers compare in the order the store committed them.
std::string local_sequencer(int64_t seq);

// {"Records":[...]} with one record per element.
std::string to_s3_event_json(const std::vector<S3EventRecord>& records);

// The records of a notification. An s3:TestEvent (sent when notifications are configured) has
// none. kInvalidArgument (reason "InvalidEvent") when the text is not a notification: not JSON,
// no Records array, a record without eventName, bucket name or key, or a key that does not
// decode.
Result<std::vector<S3EventRecord>> parse_s3_event(std::string_view json);

}  // namespace imgpipe::pipeline
