#include "queue/redis/redis_job_store.h"

#include <openssl/rand.h>

#include "core/hex.h"
#include "queue/job_transitions.h"
#include "queue/redis/redis_job_hash.h"
#include "queue/redis/redis_time.h"

namespace imgpipe::queue::redis {
namespace {

constexpr JobState kStates[] = {JobState::kPending, JobState::kProcessing, JobState::kDone,
                                JobState::kFailed};
// Optimistic retries of one change before it reports Busy; only a job hammered by many writers
// at once comes near it (the contract suite's concurrent starts take a handful).
constexpr int kMaxConflicts = 10'000;

Status no_such_job(const std::string& id) { return not_found(kNoSuchJob, "no job " + id); }

std::string new_origin() {
    unsigned char raw[8];
    if (RAND_bytes(raw, sizeof raw) != 1) return "origin";
    return to_hex(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

// Most recently updated first, ties by id: ZRANGE's order on a score of -updated.
std::string order_score(const Job& job) { return "-" + us_floor_text(job.updated); }

}  // namespace

RedisJobStore::RedisJobStore(Clock& clock, const std::string& prefix,
                             std::unique_ptr<RedisClient> client)
    : clock_(clock),
      keys_prefix_("{" + prefix + "}:j:"),
      updated_key_(keys_prefix_ + "updated"),
      channel_(keys_prefix_ + "changes"),
      origin_(new_origin()),
      client_(std::move(client)) {}

Result<std::unique_ptr<RedisJobStore>> RedisJobStore::open(const RedisEndpoint& endpoint,
                                                           Clock& clock,
                                                           const RedisJobStoreOptions& options) {
    if (options.prefix.empty()) return invalid_argument("InvalidJobStoreOptions", "empty prefix");
    IMGPIPE_ASSIGN_OR_RETURN(auto client, RedisClient::connect(endpoint, options.client));
    return std::unique_ptr<RedisJobStore>(
        new RedisJobStore(clock, options.prefix, std::move(client)));
}

Result<std::optional<Job>> RedisJobStore::update(
    const std::string& id, const std::function<bool(std::optional<Job>&)>& change) {
    std::optional<Job> out;
    bool changed = false;
    const std::string key = job_key(id);
    IMGPIPE_RETURN_IF_ERROR(client_->with_connection([&](RedisConnection& c) -> Status {
        for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
            // WATCH and the read in one round trip (the change is then MULTI ... EXEC, one more):
            // a worker changes each job twice, an upload once.
            IMGPIPE_ASSIGN_OR_RETURN(auto read, c.pipeline({{"WATCH", key}, {"HGETALL", key}}));
            if (read[0].is_error()) return redis_error_status(read[0].str());
            if (read[1].is_error()) {
                (void)c.command({"UNWATCH"});
                return redis_error_status(read[1].str());
            }
            const RedisReply& fields = read[1];
            std::optional<Job> job;
            if (fields.size() > 0) {
                auto parsed = job_from_hash(fields);
                if (!parsed.is_ok()) {
                    (void)c.command({"UNWATCH"});
                    return parsed.status();
                }
                job = std::move(*parsed);
            }
            if (!change(job)) {
                IMGPIPE_RETURN_IF_ERROR(c.command({"UNWATCH"}).status());
                out = std::move(job);
                changed = false;
                return Status::ok();
            }
            std::vector<std::vector<std::string>> tx = {{"MULTI"}};
            std::vector<std::string> hset = {"HSET", key};
            for (auto& f : job_hash_fields(*job)) hset.push_back(std::move(f));
            tx.push_back(std::move(hset));
            tx.push_back({"ZADD", updated_key_, order_score(*job), id});
            for (JobState s : kStates) tx.push_back({"ZREM", state_key(s), id});
            tx.push_back({"ZADD", state_key(job->state), order_score(*job), id});
            tx.push_back({"PUBLISH", channel_, origin_ + " " + id});
            tx.push_back({"EXEC"});
            IMGPIPE_ASSIGN_OR_RETURN(auto replies, c.pipeline(tx));
            const RedisReply& exec = replies.back();
            if (exec.is_nil()) continue;  // another client changed the job: start over
            if (exec.is_error()) return redis_error_status(exec.str());
            out = std::move(job);
            changed = true;
            return Status::ok();
        }
        return Status(StatusCode::kUnavailable, "Busy", "job " + id + " changes too often");
    }));
    if (!changed) return std::optional<Job>();
    changes_.notify(id);
    return out;
}

Result<std::optional<Job>> RedisJobStore::update_existing(const std::string& id,
                                                          const std::function<bool(Job&)>& change) {
    bool missing = false;
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update(id, [&](std::optional<Job>& j) {
                                 missing = !j.has_value();
                                 return j.has_value() && change(*j);
                             }));
    if (missing) return no_such_job(id);
    return job;
}

Result<bool> RedisJobStore::submit(const JobSubmission& s) {
    if (s.id.empty() || s.sequencer.empty()) {
        return invalid_argument("InvalidJob", "a job needs an id and a sequencer");
    }
    const TimePoint now = clock_.now();
    bool current = false;
    IMGPIPE_RETURN_IF_ERROR(update(s.id, [&](std::optional<Job>& job) {
                                if (!job) {
                                    job = new_job(s, now);
                                    current = true;
                                    return true;
                                }
                                SubmitOutcome outcome = apply_submit(*job, s, now);
                                current = outcome.current;
                                return outcome.changed;
                            }).status());
    return current;
}

Result<std::optional<Job>> RedisJobStore::start(const std::string& id,
                                                const std::string& sequencer) {
    const TimePoint now = clock_.now();
    return update_existing(id, [&](Job& job) { return apply_start(job, sequencer, now); });
}

Result<bool> RedisJobStore::finish(const std::string& id, const std::string& sequencer,
                                   const OriginalInfo& original,
                                   const std::vector<VariantResult>& variants) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update_existing(id, [&](Job& j) {
                                 return apply_finish(j, sequencer, original, variants, now);
                             }));
    return job.has_value();
}

Result<bool> RedisJobStore::fail(const std::string& id, const std::string& sequencer,
                                 const std::string& code, const std::string& message,
                                 const OriginalInfo& original) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update_existing(id, [&](Job& j) {
                                 return apply_fail(j, sequencer, code, message, original, now);
                             }));
    return job.has_value();
}

Result<bool> RedisJobStore::retry_later(const std::string& id, const std::string& sequencer,
                                        const std::string& code, const std::string& message) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update_existing(id, [&](Job& j) {
                                 return apply_retry_later(j, sequencer, code, message, now);
                             }));
    return job.has_value();
}

Result<Job> RedisJobStore::reset(const std::string& id) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update_existing(id, [&](Job& j) {
                                 apply_reset(j, now);
                                 return true;
                             }));
    if (!job) return internal_error("reset declined to change job " + id);
    return std::move(*job);
}

Result<bool> RedisJobStore::add_rendered(const std::string& id, const VariantResult& v) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(
        auto job, update_existing(id, [&](Job& j) { return apply_add_rendered(j, v, now); }));
    return job.has_value();
}

Result<Job> RedisJobStore::get(const std::string& id) {
    IMGPIPE_ASSIGN_OR_RETURN(RedisReply fields, client_->command({"HGETALL", job_key(id)}));
    if (fields.size() == 0) return no_such_job(id);
    return job_from_hash(fields);
}

Result<std::vector<Job>> RedisJobStore::list(std::optional<JobState> state, int limit) {
    std::vector<Job> out;
    if (limit <= 0) return out;
    IMGPIPE_RETURN_IF_ERROR(client_->with_connection([&](RedisConnection& c) -> Status {
        out.clear();
        IMGPIPE_ASSIGN_OR_RETURN(RedisReply ids,
                                 c.command({"ZRANGE", state ? state_key(*state) : updated_key_, "0",
                                            std::to_string(limit - 1)}));
        std::vector<std::vector<std::string>> reads;
        for (size_t i = 0; i < ids.size(); ++i) reads.push_back({"HGETALL", job_key(ids[i].str())});
        if (reads.empty()) return Status::ok();
        IMGPIPE_ASSIGN_OR_RETURN(auto jobs, c.pipeline(reads));
        for (const RedisReply& fields : jobs) {
            if (fields.is_error()) return redis_error_status(fields.str());
            if (fields.size() == 0) continue;  // removed since the index was read
            IMGPIPE_ASSIGN_OR_RETURN(Job job, job_from_hash(fields));
            out.push_back(std::move(job));
        }
        return Status::ok();
    }));
    return out;
}

Result<JobCounts> RedisJobStore::counts() {
    JobCounts out;
    IMGPIPE_RETURN_IF_ERROR(client_->with_connection([&](RedisConnection& c) -> Status {
        std::vector<std::vector<std::string>> cmds;
        for (JobState s : kStates) cmds.push_back({"ZCARD", state_key(s)});
        IMGPIPE_ASSIGN_OR_RETURN(auto n, c.pipeline(cmds));
        for (const RedisReply& r : n) {
            if (r.is_error()) return redis_error_status(r.str());
        }
        out = {n[0].integer(), n[1].integer(), n[2].integer(), n[3].integer()};
        return Status::ok();
    }));
    return out;
}

Result<std::optional<Job>> RedisJobStore::remove(const std::string& id) {
    std::optional<Job> removed;
    bool existed = false;
    IMGPIPE_RETURN_IF_ERROR(client_->with_connection([&](RedisConnection& c) -> Status {
        // The hash is read inside the transaction that deletes it: what the job named at the
        // moment it went, whatever was recorded after the caller's own read.
        std::vector<std::vector<std::string>> tx = {
            {"MULTI"}, {"HGETALL", job_key(id)}, {"DEL", job_key(id)}, {"ZREM", updated_key_, id}};
        for (JobState s : kStates) tx.push_back({"ZREM", state_key(s), id});
        tx.push_back({"PUBLISH", channel_, origin_ + " " + id});
        tx.push_back({"EXEC"});
        IMGPIPE_ASSIGN_OR_RETURN(auto replies, c.pipeline(tx));
        const RedisReply& exec = replies.back();
        if (exec.is_error()) return redis_error_status(exec.str());
        existed = exec.size() >= 2 && exec[1].integer() == 1;
        if (!existed) return Status::ok();
        // An unreadable hash is gone all the same (CorruptJobRow): nothing to return.
        if (auto job = job_from_hash(exec[0]); job.is_ok()) removed = std::move(*job);
        return Status::ok();
    }));
    if (existed) changes_.notify(id);
    return removed;
}

void RedisJobStore::hear_other_processes() {
    std::call_once(subscribe_once_, [this] {
        subscriber_ = std::make_unique<RedisSubscriber>(
            client_->endpoint(), client_->options(), channel_, origin_,
            [this](std::optional<std::string_view> job) {
                if (job && !job->empty()) {
                    changes_.notify(*job);
                } else {
                    changes_.notify_all();  // messages were lost, or name no job
                }
            });
    });
}

uint64_t RedisJobStore::change_generation(const std::string& id) {
    hear_other_processes();
    return changes_.generation(id);
}

uint64_t RedisJobStore::wait_for_change(const std::string& id, uint64_t seen,
                                        std::chrono::milliseconds timeout) {
    hear_other_processes();
    return changes_.wait(id, seen, timeout);
}

}  // namespace imgpipe::queue::redis
