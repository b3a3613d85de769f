#pragma once
// KeyedChangeSignal: a ChangeSignal per key, so a waiter wakes when its own key changes (a status
// stream when its job moves) rather than on every change in the store: with a thousand open
// streams, one job's change then wakes the few in its slot, not a thousand that each re-read
// their job.
// Keys hash into a fixed number of slots, so memory stays bounded whatever the keys; keys sharing
// a slot wake each other's waiters, which is allowed, since a wake-up is only a hint and a waiter
// re-reads after each one. Thread-safe.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "core/change_signal.h"

namespace imgpipe {

class KeyedChangeSignal {
  public:
    static constexpr size_t kSlots = 256;

    // The slot `key` falls in (keys in different slots never wake each other's waiters).
    static size_t slot_of(std::string_view key) {
        return std::hash<std::string_view>{}(key) % kSlots;
    }

    // Starts a new generation of `key` (and its slot-mates) and wakes their waiters.
    void notify(std::string_view key) { slots_[slot_of(key)].notify(); }

    // Wakes every waiter: for when changes may have been missed (a lost subscription).
    void notify_all() {
        for (ChangeSignal& s : slots_) s.notify();
    }

    uint64_t generation(std::string_view key) const { return slots_[slot_of(key)].generation(); }

    // Waits until the generation of `key` differs from `seen` or `timeout` passes; returns the
    // generation then current.
    uint64_t wait(std::string_view key, uint64_t seen, std::chrono::milliseconds timeout) {
        return slots_[slot_of(key)].wait(seen, timeout);
    }

  private:
    std::array<ChangeSignal, kSlots> slots_;
};

}  // namespace imgpipe
