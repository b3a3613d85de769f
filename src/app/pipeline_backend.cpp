#include "app/pipeline_backend.h"

#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_streams_event_queue.h"
#include "queue/sqlite/sqlite_event_queue.h"
#include "queue/sqlite/sqlite_job_store.h"

namespace imgpipe::app {

std::string check_queue_url(const std::string& url) {
    if (url == "sqlite") return "";
    auto endpoint = queue::redis::parse_redis_url(url);
    return endpoint.is_ok() ? "" : endpoint.status().message() + " (or sqlite)";
}

Result<PipelineBackend> open_pipeline_backend(const Config& config, Clock& clock) {
    PipelineBackend b;
    if (config.queue_url == "sqlite") {
        b.where = config.data_dir + "/pipeline.db";
        auto queue = queue::SqliteEventQueue::open(b.where, clock, queue_options(config));
        if (!queue) return queue.status().with_context("opening the queue");
        b.queue = std::move(*queue);
        auto jobs = queue::SqliteJobStore::open(b.where, clock);
        if (!jobs) return jobs.status().with_context("opening the job store");
        b.jobs = std::move(*jobs);
        return b;
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto endpoint, queue::redis::parse_redis_url(config.queue_url));
    b.where = endpoint.to_string();
    queue::redis::RedisQueueOptions options;
    options.max_deliveries = queue_options(config).max_deliveries;
    auto queue = queue::redis::RedisStreamsEventQueue::open(endpoint, clock, options);
    if (!queue) return queue.status().with_context("opening the queue at " + b.where);
    b.queue = std::move(*queue);
    auto jobs = queue::redis::RedisJobStore::open(endpoint, clock, {});
    if (!jobs) return jobs.status().with_context("opening the job store at " + b.where);
    b.jobs = std::move(*jobs);
    return b;
}

}  // namespace imgpipe::app
