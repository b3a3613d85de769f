#pragma once
// EventOutbox: the port through which a store that records its own object events (the local
// store's transactional outbox: every change and its event commit together) hands them to the
// pipeline's relay. Events are read in `seq` order and deleted only after the relay has passed
// them on, so a crash in between delivers them again rather than losing them. Implemented by
// LocalObjectStore; an external store is to send its notifications to an API ingress instead.
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/result.h"
#include "store/object_event.h"

namespace imgpipe::store {

class EventOutbox {
  public:
    virtual ~EventOutbox() = default;

    // Up to `limit` events with seq > after_seq, in seq order. IoError.
    virtual Result<std::vector<ObjectEvent>> read_events(int64_t after_seq, int limit) = 0;
    // Forgets every event with seq <= `seq`. IoError.
    virtual Status delete_events_through(int64_t seq) = 0;

    // A generation that moves whenever an event is committed in this process.
    virtual uint64_t event_generation() const = 0;
    // Waits until the generation differs from `seen` or `timeout` passes (real time); returns
    // the current generation. A hint: the caller reads the events either way.
    virtual uint64_t wait_for_events(uint64_t seen, std::chrono::milliseconds timeout) = 0;
};

}  // namespace imgpipe::store
