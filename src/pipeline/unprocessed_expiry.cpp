#include "pipeline/unprocessed_expiry.h"

#include <algorithm>

#include "core/log.h"
#include "core/thread_name.h"

namespace imgpipe::pipeline {

UnprocessedExpiry::UnprocessedExpiry(store::ObjectStore& store, queue::JobStore& jobs,
                                     const ImageIds& ids, const Clock& clock, ExpiryOptions options)
    : store_(store), jobs_(jobs), ids_(ids), clock_(clock), options_(std::move(options)) {}

UnprocessedExpiry::~UnprocessedExpiry() { stop(); }

void UnprocessedExpiry::start() {
    thread_ = std::thread([this] {
        name_this_thread("upload-expiry");
        run();
    });
}

void UnprocessedExpiry::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Result<bool> UnprocessedExpiry::unprocessed(const store::ObjectInfo& info,
                                            const std::string& id) const {
    const auto cutoff = clock_.now() - options_.age;
    if (info.last_modified > cutoff) return false;
    auto job = jobs_.get(id);
    if (!job.is_ok()) {
        if (job.status().code() == StatusCode::kNotFound) return true;  // no job was ever made
        return job.status();
    }
    // Another creation of the key (its event not relayed yet, or this listing older than an
    // overwrite) is not this object's job: leave both to the next pass.
    if (job->key != info.key || job->bucket != info.bucket) return false;
    // An operator's retry (reset) gives the job a fresh `updated`: it gets the whole age again.
    return job->state == queue::JobState::kPending && job->attempts == 0 && job->updated <= cutoff;
}

Result<ExpirySweep> UnprocessedExpiry::sweep_once() {
    store::ListRequest request;
    request.bucket = options_.bucket;
    request.start_after = cursor_;
    request.max_keys = std::clamp(options_.batch, 1, 1000);
    IMGPIPE_ASSIGN_OR_RETURN(store::ListResult page, store_.list_objects(request));

    ExpirySweep sweep;
    sweep.listed = static_cast<int>(page.objects.size());
    for (auto& info : page.objects) {
        info.bucket = options_.bucket;  // listings name only the key
        const std::string id = ids_.id_for(info.bucket, info.key);
        IMGPIPE_ASSIGN_OR_RETURN(bool expire, unprocessed(info, id));
        if (!expire) continue;
        // Sizes rendered on request (a preset asked for before any worker took the upload) go
        // with it; the job names them when it goes.
        IMGPIPE_ASSIGN_OR_RETURN(std::optional<queue::Job> job, jobs_.remove(id));
        IMGPIPE_RETURN_IF_ERROR(store_.delete_object(info.bucket, info.key));
        for (const auto& v : job ? job->rendered : std::vector<queue::VariantResult>{}) {
            IMGPIPE_RETURN_IF_ERROR(store_.delete_object(v.bucket, v.key));
        }
        expired_.fetch_add(1, std::memory_order_relaxed);
        ++sweep.expired;
        log::info("unprocessed upload expired",
                  {{"image_id", id}, {"bucket", info.bucket}, {"key", info.key}});
    }
    sweep.wrapped = !page.is_truncated;
    cursor_ = sweep.wrapped ? std::string() : page.next_start_after;
    return sweep;
}

void UnprocessedExpiry::run() {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
        lock.unlock();
        if (auto sweep = sweep_once(); !sweep.is_ok()) {
            log::warn("unprocessed upload expiry: will retry",
                      {{"error", sweep.status().to_string()}});
        }
        lock.lock();
    }
}

}  // namespace imgpipe::pipeline
