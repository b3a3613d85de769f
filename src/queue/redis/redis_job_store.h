#pragma once
// RedisJobStore: the JobStore for scale-out — every API node and worker shares the jobs in one
// Redis database.
//
// Keys (under one hash tag, `{PREFIX}:j:…`): `<id>` a hash per job (redis_job_hash.h);
// `updated` a sorted set of every job by -updated (so ZRANGE lists the most recent first, ties
// by id); `s:<state>` one such set per state (list by state, counts); `changes` a pub/sub
// channel. A change loads the job under WATCH, applies the rule from job_transitions.h and
// writes the hash and the indexes in one MULTI/EXEC, starting over when another client changed
// the job in between — so the rules are the SQLite store's, and atomic across processes.
//
// A job's change generation moves for this instance's changes at once and for other processes'
// through the `changes` channel (RedisSubscriber; each message names the job), so a status
// stream on one API node sees its job move as a worker anywhere moves it, and sleeps through the
// other jobs' changes. The subscription starts with the first change_generation() or
// wait_for_change(): a process that never waits for a job (a worker) neither holds it nor hears
// every change. (That first call waits for the SUBSCRIBE, at most the connect and command
// timeouts when Redis is unreachable.) Server outages are retried as RedisClient says.
//
// Thread-safe; any number of instances and processes may share one store.

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/keyed_change_signal.h"
#include "queue/job_store.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_subscriber.h"

namespace imgpipe::queue::redis {

struct RedisJobStoreOptions {
    // Keys are "{<prefix>}:j:…".
    std::string prefix = "imgpipe";
    RedisClientOptions client;
};

class RedisJobStore final : public JobStore {
  public:
    // Connects (failing at once when the server cannot be reached or refuses the credentials).
    // `clock` outlives the store. InvalidArgument for an empty prefix.
    static Result<std::unique_ptr<RedisJobStore>> open(const RedisEndpoint& endpoint, Clock& clock,
                                                       const RedisJobStoreOptions& options);

    Result<bool> submit(const JobSubmission& s) override;
    Result<std::optional<Job>> start(const std::string& id, const std::string& sequencer) override;
    Result<bool> finish(const std::string& id, const std::string& sequencer,
                        const OriginalInfo& original,
                        const std::vector<VariantResult>& variants) override;
    Result<bool> fail(const std::string& id, const std::string& sequencer, const std::string& code,
                      const std::string& message, const OriginalInfo& original) override;
    Result<bool> retry_later(const std::string& id, const std::string& sequencer,
                             const std::string& code, const std::string& message) override;
    Result<Job> reset(const std::string& id) override;
    Result<bool> add_rendered(const std::string& id, const VariantResult& v) override;
    Result<Job> get(const std::string& id) override;
    Result<std::vector<Job>> list(std::optional<JobState> state, int limit) override;
    Result<JobCounts> counts() override;
    Result<std::optional<Job>> remove(const std::string& id) override;
    uint64_t change_generation(const std::string& id) override;
    uint64_t wait_for_change(const std::string& id, uint64_t seen,
                             std::chrono::milliseconds timeout) override;

  private:
    RedisJobStore(Clock& clock, const std::string& prefix, std::unique_ptr<RedisClient> client);

    // Loads job `id` under WATCH, lets `change` edit it (it gets nullopt for a missing job and
    // may create one; false: leave it) and saves it atomically, retrying on a conflicting
    // write. Returns the job after the change, or nullopt when `change` declined.
    Result<std::optional<Job>> update(const std::string& id,
                                      const std::function<bool(std::optional<Job>&)>& change);
    // update() for an existing job; NoSuchJob otherwise.
    Result<std::optional<Job>> update_existing(const std::string& id,
                                               const std::function<bool(Job&)>& change);
    // Subscribes to the changes channel, once: before that, only this instance's changes move
    // the generations.
    void hear_other_processes();
    std::string job_key(const std::string& id) const { return keys_prefix_ + id; }
    std::string state_key(JobState s) const {
        return keys_prefix_ + "s:" + std::string(job_state_name(s));
    }

    Clock& clock_;
    const std::string keys_prefix_;  // "{prefix}:j:"
    const std::string updated_key_;
    const std::string channel_;
    const std::string origin_;
    std::unique_ptr<RedisClient> client_;
    KeyedChangeSignal changes_;
    std::once_flag subscribe_once_;
    std::unique_ptr<RedisSubscriber> subscriber_;  // last: stopped before the rest goes
};

}  // namespace imgpipe::queue::redis
