#pragma once
// SqliteJobStore: the embedded JobStore — one `jobs` table in a SQLite file (`pipeline.db` in
// the data dir, shared with the event queue and the webhook outbox, whose tables it leaves
// alone). A job is one row; its variants are a JSON array in one column. Every change loads the
// row, applies the rule from job_transitions.h and writes the row back inside one BEGIN
// IMMEDIATE transaction, so it is atomic across connections and processes (`imgpipe jobs`).
//
// wait_for_change hears the changes made through this instance; changes by other instances or
// processes are seen when the caller's timeout passes.
//
// Thread-safe: a writer and a query-only reader connection, each used under its own mutex.

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/keyed_change_signal.h"
#include "core/sqlite_db.h"
#include "queue/job_store.h"

namespace imgpipe::queue {

class SqliteJobStore final : public JobStore {
  public:
    // Opens (creating the file and the table if needed) the job store in the SQLite file at
    // `db_path`. `clock` outlives the store. IoError when the database cannot be opened.
    static Result<std::unique_ptr<SqliteJobStore>> open(const std::string& db_path, Clock& clock);

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
    explicit SqliteJobStore(Clock& clock) : clock_(clock) {}

    // In one write transaction: loads job `id`, lets `change` edit it (false: leave it) and
    // saves it. Returns the job after the change, or nullopt when `change` declined. NoSuchJob.
    Result<std::optional<Job>> update(const std::string& id,
                                      const std::function<bool(Job&)>& change);
    // The job `id`, or nullopt. REQUIRES: c.mu held.
    static Result<std::optional<Job>> load(SqliteConnection& c, const std::string& id);
    // Inserts or overwrites the row of `job`. REQUIRES: writer_.mu held.
    Status save(const Job& job);

    Clock& clock_;
    SqliteConnection writer_;
    SqliteConnection reader_;
    KeyedChangeSignal changes_;  // notified for each job a commit changed
};

}  // namespace imgpipe::queue
