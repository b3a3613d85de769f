#pragma once
// The queue and the job store a process works with, as `queue.url` (`--queue`) names them:
// `sqlite` — SqliteEventQueue and SqliteJobStore in <data_dir>/pipeline.db, for one machine —
// or `redis://HOST:PORT[/DB]` — RedisStreamsEventQueue and RedisJobStore, shared by every API
// node and worker that names the same server (DESIGN.md §7). Used by `imgpipe serve` and
// `imgpipe jobs`, so both see the same jobs.

#include <memory>
#include <string>

#include "app/config.h"
#include "core/clock.h"
#include "queue/event_queue.h"
#include "queue/job_store.h"

namespace imgpipe::app {

struct PipelineBackend {
    std::unique_ptr<queue::EventQueue> queue;
    std::unique_ptr<queue::JobStore> jobs;
    std::string where;  // "<data_dir>/pipeline.db" or "redis://HOST:PORT/DB", for people
};

// Opens both. IoError (SQLite) or Unavailable (Redis unreachable), with context.
Result<PipelineBackend> open_pipeline_backend(const Config& config, Clock& clock);

// Whether `url` is a queue.url this build takes ("" when it is; else what is wrong).
std::string check_queue_url(const std::string& url);

}  // namespace imgpipe::app
