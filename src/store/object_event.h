#pragma once
// ObjectEvent: one row of an EventOutbox (the local store's `object_events` table). Every
// change that makes an object visible or removes it appends one in the same SQLite transaction
// as the index change, so an event exists exactly when the change happened; the outbox relay
// reads them in `seq` order, delivers them to the queue and then deletes them. Value type.

#include <cstdint>
#include <string>

#include "store/object_store.h"

namespace imgpipe::store {

struct ObjectEvent {
    int64_t seq = 0;  // strictly increasing, never reused (AUTOINCREMENT)
    // S3 event names without the "s3:" prefix: "ObjectCreated:Put", "ObjectCreated:Post",
    // "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete".
    std::string event_name;
    std::string bucket;
    std::string key;
    uint64_t size = 0;
    std::string etag;  // unquoted; empty for removals
    TimePoint time;
};

// The event name for an object created this way.
inline const char* created_event_name(CreatedBy by) {
    switch (by) {
        case CreatedBy::kPost:
            return "ObjectCreated:Post";
        case CreatedBy::kCopy:
            return "ObjectCreated:Copy";
        case CreatedBy::kCompleteMultipartUpload:
            return "ObjectCreated:CompleteMultipartUpload";
        case CreatedBy::kPut:
            break;
    }
    return "ObjectCreated:Put";
}

inline constexpr const char* kRemovedEventName = "ObjectRemoved:Delete";

}  // namespace imgpipe::store
