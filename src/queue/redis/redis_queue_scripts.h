#pragma once
// The Lua scripts of RedisStreamsEventQueue: each queue operation is one script, so it is
// atomic on the server however many processes share the queue. The data they keep is described
// in redis_streams_event_queue.h. Every script takes the same KEYS and the same first two ARGV:
//
//   KEYS[1] stream   KEYS[2] leases   KEYS[3] retries   KEYS[4] live   KEYS[5] dead
//   KEYS[6] seq      ARGV[1] the message-hash key prefix   ARGV[2] the work channel
//   ARGV[3] the caller's origin id (what it PUBLISHes on the work channel)
//
// and its own arguments from ARGV[4] on (listed at each script). Times come from the caller's
// Clock, as microsecond scores (exact in a double until the year 2255) and as nanosecond strings
// that the scripts store and hand back untouched, so times round-trip exactly.

#include "queue/redis/redis_client.h"

namespace imgpipe::queue::redis::scripts {

// ARGV: id, body, now_ns, now_us. Returns 1 when added, 0 when the id is already queued.
extern const RedisScript kPublish;
// ARGV: now_us, until_ns, until_us, token, consumer, max_deliveries.
// Returns nil, or {id, body, deliveries, published_ns}.
extern const RedisScript kClaim;
// ARGV: id, token. Returns "OK", "LeaseLost" or "NoSuchMessage" (so do the next three).
extern const RedisScript kAck;
// ARGV: kAck's, then kClaim's. Returns {kAck's answer, kClaim's}.
extern const RedisScript kAckAndClaim;
// ARGV: id, token, now_ns, now_us, due_us, reason, max_deliveries.
extern const RedisScript kRelease;
// ARGV: id, token, now_ns, now_us, reason, max_deliveries.
extern const RedisScript kBury;
// ARGV: id, token, until_ns, until_us.
extern const RedisScript kExtend;
// ARGV: now_us, max_deliveries, limit. Returns {id, body, deliveries, reason, published_ns,
// died_ns} per dead letter, flattened, oldest death first.
extern const RedisScript kDeadLetters;
// ARGV: id, now_us, max_deliveries. Returns "OK" or "NoSuchMessage".
extern const RedisScript kRequeue;
// ARGV: now_us, max_deliveries. Returns {ready, leased, dead}.
extern const RedisScript kStats;
// ARGV: now_us, max_deliveries. Returns nil or the oldest live message's published_ns.
extern const RedisScript kOldestPublished;
// ARGV: now_us. Returns nil or the earliest lease end or retry due time after now, in µs.
extern const RedisScript kNextVisible;

// Not a queue script (KEYS[1] stream, ARGV[1] consumer): removes the consumer from the group if
// it has no pending entries (XGROUP DELCONSUMER alone would drop them, stranding their messages).
extern const RedisScript kForgetConsumer;

}  // namespace imgpipe::queue::redis::scripts
