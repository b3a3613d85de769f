#include "queue/sqlite/sqlite_job_store.h"

#include "queue/job_transitions.h"
#include "queue/sqlite/job_row.h"

namespace imgpipe::queue {

namespace {

Status no_such_job(const std::string& id) { return not_found(kNoSuchJob, "no job " + id); }

}  // namespace

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::open(const std::string& db_path,
                                                             Clock& clock) {
    std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(clock));
    IMGPIPE_RETURN_IF_ERROR(
        store->writer_.open(db_path, SqliteDb::Sync::kNormal, /*query_only=*/false));
    IMGPIPE_RETURN_IF_ERROR(store->writer_.db->exec(sqlite::kJobsSchema));
    IMGPIPE_RETURN_IF_ERROR(sqlite::add_missing_columns(*store->writer_.db));
    IMGPIPE_RETURN_IF_ERROR(
        store->reader_.open(db_path, SqliteDb::Sync::kNormal, /*query_only=*/true));
    return store;
}

Result<std::optional<Job>> SqliteJobStore::load(SqliteConnection& c, const std::string& id) {
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt(sqlite::kSelectJobById));
    SqliteStatement::Use use(*s);
    s->bind_text(1, id);
    IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return std::optional<Job>();
    IMGPIPE_ASSIGN_OR_RETURN(Job job, sqlite::read_job_row(*s));
    return std::optional<Job>(std::move(job));
}

Status SqliteJobStore::save(const Job& job) {
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, writer_.stmt(sqlite::kUpsertJobRow));
    SqliteStatement::Use use(*s);
    sqlite::bind_job_row(*s, job);
    return s->run();
}

Result<bool> SqliteJobStore::submit(const JobSubmission& s) {
    if (s.id.empty() || s.sequencer.empty()) {
        return invalid_argument("InvalidJob", "a job needs an id and a sequencer");
    }
    const TimePoint now = clock_.now();
    SubmitOutcome outcome;
    {
        std::lock_guard lock(writer_.mu);
        SqliteTransaction txn(*writer_.db);
        IMGPIPE_RETURN_IF_ERROR(txn.status());
        IMGPIPE_ASSIGN_OR_RETURN(std::optional<Job> job, load(writer_, s.id));
        if (!job) {
            job = new_job(s, now);
            outcome = {true, true};
        } else {
            outcome = apply_submit(*job, s, now);
        }
        if (!outcome.changed) return outcome.current;  // nothing written: the rollback is free
        IMGPIPE_RETURN_IF_ERROR(save(*job));
        IMGPIPE_RETURN_IF_ERROR(txn.commit());
    }
    changes_.notify(s.id);
    return outcome.current;
}

Result<std::optional<Job>> SqliteJobStore::update(const std::string& id,
                                                  const std::function<bool(Job&)>& change) {
    std::optional<Job> job;
    {
        std::lock_guard lock(writer_.mu);
        SqliteTransaction txn(*writer_.db);
        IMGPIPE_RETURN_IF_ERROR(txn.status());
        IMGPIPE_ASSIGN_OR_RETURN(job, load(writer_, id));
        if (!job) return no_such_job(id);
        if (!change(*job)) return std::optional<Job>();
        IMGPIPE_RETURN_IF_ERROR(save(*job));
        IMGPIPE_RETURN_IF_ERROR(txn.commit());
    }
    changes_.notify(id);
    return job;
}

Result<std::optional<Job>> SqliteJobStore::start(const std::string& id,
                                                 const std::string& sequencer) {
    const TimePoint now = clock_.now();
    return update(id, [&](Job& job) { return apply_start(job, sequencer, now); });
}

Result<bool> SqliteJobStore::finish(const std::string& id, const std::string& sequencer,
                                    const OriginalInfo& original,
                                    const std::vector<VariantResult>& variants) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update(id, [&](Job& j) {
                                 return apply_finish(j, sequencer, original, variants, now);
                             }));
    return job.has_value();
}

Result<bool> SqliteJobStore::fail(const std::string& id, const std::string& sequencer,
                                  const std::string& code, const std::string& message,
                                  const OriginalInfo& original) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update(id, [&](Job& j) {
                                 return apply_fail(j, sequencer, code, message, original, now);
                             }));
    return job.has_value();
}

Result<bool> SqliteJobStore::retry_later(const std::string& id, const std::string& sequencer,
                                         const std::string& code, const std::string& message) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update(id, [&](Job& j) {
                                 return apply_retry_later(j, sequencer, code, message, now);
                             }));
    return job.has_value();
}

Result<Job> SqliteJobStore::reset(const std::string& id) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job, update(id, [&](Job& j) {
                                 apply_reset(j, now);
                                 return true;
                             }));
    if (!job) return internal_error("reset declined to change job " + id);
    return std::move(*job);
}

Result<bool> SqliteJobStore::add_rendered(const std::string& id, const VariantResult& v) {
    const TimePoint now = clock_.now();
    IMGPIPE_ASSIGN_OR_RETURN(auto job,
                             update(id, [&](Job& j) { return apply_add_rendered(j, v, now); }));
    return job.has_value();
}

Result<Job> SqliteJobStore::get(const std::string& id) {
    std::lock_guard lock(reader_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto job, load(reader_, id));
    if (!job) return no_such_job(id);
    return std::move(*job);
}

Result<std::vector<Job>> SqliteJobStore::list(std::optional<JobState> state, int limit) {
    std::vector<Job> out;
    if (limit <= 0) return out;
    std::lock_guard lock(reader_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             reader_.stmt(state ? sqlite::kListJobsInState : sqlite::kListJobs));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, limit);
    if (state) s->bind_text(2, job_state_name(*state));
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        IMGPIPE_ASSIGN_OR_RETURN(Job job, sqlite::read_job_row(*s));
        out.push_back(std::move(job));
    }
}

Result<JobCounts> SqliteJobStore::counts() {
    std::lock_guard lock(reader_.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             reader_.stmt("SELECT state, COUNT(*) FROM jobs GROUP BY state"));
    SqliteStatement::Use use(*s);
    JobCounts out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        const int64_t n = s->column_int64(1);
        std::optional<JobState> state = parse_job_state(s->column_text(0));
        if (!state) continue;  // the table's CHECK admits none
        switch (*state) {
            case JobState::kPending:
                out.pending += n;
                break;
            case JobState::kProcessing:
                out.processing += n;
                break;
            case JobState::kDone:
                out.done += n;
                break;
            case JobState::kFailed:
                out.failed += n;
                break;
        }
    }
}

Result<std::optional<Job>> SqliteJobStore::remove(const std::string& id) {
    std::optional<Job> job;
    {
        std::lock_guard lock(writer_.mu);
        SqliteTransaction txn(*writer_.db);
        IMGPIPE_RETURN_IF_ERROR(txn.status());
        auto loaded = load(writer_, id);
        if (!loaded.is_ok() && loaded.status().code() != StatusCode::kDataLoss) {
            return loaded.status();
        }
        if (loaded.is_ok()) {
            if (!*loaded) return std::optional<Job>();  // not there
            job = std::move(*loaded);
        }
        IMGPIPE_ASSIGN_OR_RETURN(auto* s, writer_.stmt("DELETE FROM jobs WHERE id = ?1"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, id);
        IMGPIPE_RETURN_IF_ERROR(s->run());
        IMGPIPE_RETURN_IF_ERROR(txn.commit());
    }
    changes_.notify(id);
    return job;
}

uint64_t SqliteJobStore::change_generation(const std::string& id) {
    return changes_.generation(id);
}

uint64_t SqliteJobStore::wait_for_change(const std::string& id, uint64_t seen,
                                         std::chrono::milliseconds timeout) {
    return changes_.wait(id, seen, timeout);
}

}  // namespace imgpipe::queue
