#pragma once
// How RedisJobStore keeps a Job: one hash per job, a field per member (`variants` and
// `rendered` as the JSON of variants_json.h, times as nanosecond strings), so `redis-cli
// HGETALL` shows a job as plainly as the sqlite3 shell shows a row. Pure functions.

#include <string>
#include <vector>

#include "core/result.h"
#include "queue/job_store.h"
#include "queue/redis/redis_reply.h"

namespace imgpipe::queue::redis {

// Every field of `job`, as "field", "value", ... for HSET (all of them, so a write replaces
// whatever an earlier state left).
std::vector<std::string> job_hash_fields(const Job& job);

// The job in an HGETALL reply. DataLoss (CorruptJobRow) when a field is missing or unreadable.
// REQUIRES: the reply is not empty (an empty one means no such job).
Result<Job> job_from_hash(const RedisReply& hgetall);

}  // namespace imgpipe::queue::redis
