#include "queue/sqlite/job_row.h"

#include <nlohmann/json.hpp>

#include "core/sqlite_db.h"

namespace imgpipe::queue::sqlite {

// The column list every SELECT reads and the upsert writes, in read_job_row's order.
#define IMGPIPE_JOB_COLUMNS                                                             \
    "id, bucket, key, etag, size, sequencer, event, state, attempts, error_code, "      \
    "error_message, original_bytes, original_width, original_height, original_format, " \
    "variants, created_ns, updated_ns, version, placeholder, rendered"

// One IMMEDIATE transaction (see the queue's schema). jobs_by_updated serves list();
// jobs_by_state serves list(state) and counts() from the index alone. A rowid table, not WITHOUT
// ROWID: rows carry the ~2 KB event JSON.
const char* const kJobsSchema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    etag TEXT NOT NULL,
    size INTEGER NOT NULL,
    sequencer TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'done', 'failed')),
    attempts INTEGER NOT NULL,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    original_bytes INTEGER NOT NULL,
    original_width INTEGER NOT NULL,
    original_height INTEGER NOT NULL,
    original_format TEXT NOT NULL,
    variants TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL,
    version INTEGER NOT NULL,
    placeholder TEXT NOT NULL DEFAULT '',
    rendered TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS jobs_by_updated ON jobs (updated_ns DESC, id);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, updated_ns DESC, id);
COMMIT;
)sql";

const char* const kSelectJobById = "SELECT " IMGPIPE_JOB_COLUMNS " FROM jobs WHERE id = ?1";
const char* const kListJobs =
    "SELECT " IMGPIPE_JOB_COLUMNS " FROM jobs ORDER BY updated_ns DESC, id LIMIT ?1";
const char* const kListJobsInState = "SELECT " IMGPIPE_JOB_COLUMNS
                                     " FROM jobs WHERE state = ?2 "
                                     "ORDER BY updated_ns DESC, id LIMIT ?1";
const char* const kUpsertJobRow =
    "INSERT INTO jobs (" IMGPIPE_JOB_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21) ON CONFLICT (id) DO UPDATE SET bucket = excluded.bucket, key = excluded.key, "
    "etag = excluded.etag, size = excluded.size, sequencer = excluded.sequencer, "
    "event = excluded.event, state = excluded.state, attempts = excluded.attempts, "
    "error_code = excluded.error_code, error_message = excluded.error_message, "
    "original_bytes = excluded.original_bytes, original_width = excluded.original_width, "
    "original_height = excluded.original_height, original_format = excluded.original_format, "
    "variants = excluded.variants, created_ns = excluded.created_ns, "
    "updated_ns = excluded.updated_ns, version = excluded.version, "
    "placeholder = excluded.placeholder, rendered = excluded.rendered";

Status add_missing_columns(SqliteDb& db) {
    // Each column a later version added, and how a table made before it gets it.
    static constexpr struct {
        const char* name;
        const char* add;
    } kAdded[] = {
        {"placeholder", "ALTER TABLE jobs ADD COLUMN placeholder TEXT NOT NULL DEFAULT ''"},
        {"rendered", "ALTER TABLE jobs ADD COLUMN rendered TEXT NOT NULL DEFAULT '[]'"},
    };
    for (const auto& column : kAdded) {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto has, db.prepare("SELECT 1 FROM pragma_table_info('jobs') WHERE name = ?1"));
        has.bind_text(1, column.name);
        IMGPIPE_ASSIGN_OR_RETURN(bool found, has.step());
        if (!found) IMGPIPE_RETURN_IF_ERROR(db.exec(column.add));
    }
    return Status::ok();
}

namespace {

// The placeholder column: {"thumbhash": ..., "dominantColor": ...}, or "" for none.
std::string placeholder_to_json(const OriginalInfo& original) {
    if (original.thumbhash.empty()) return "";
    return nlohmann::json{{"thumbhash", original.thumbhash},
                          {"dominantColor", original.dominant_color}}
        .dump();
}

void placeholder_from_json(const std::string& text, OriginalInfo& original) {
    if (text.empty()) return;
    // A placeholder is a nicety: an unreadable one is left out rather than the job lost.
    auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object()) return;
    original.thumbhash = parsed.value("thumbhash", std::string());
    original.dominant_color = parsed.value("dominantColor", std::string());
}

}  // namespace

#undef IMGPIPE_JOB_COLUMNS

Result<Job> read_job_row(const SqliteStatement& s) {
    Job job;
    job.id = s.column_text(0);
    job.bucket = s.column_text(1);
    job.key = s.column_text(2);
    job.etag = s.column_text(3);
    job.size = static_cast<uint64_t>(s.column_int64(4));
    job.sequencer = s.column_text(5);
    job.event = s.column_text(6);
    std::optional<JobState> state = parse_job_state(s.column_text(7));
    if (!state) {
        return Status(StatusCode::kDataLoss, "CorruptJobRow",
                      "job " + job.id + " has state " + s.column_text(7));
    }
    job.state = *state;
    job.attempts = static_cast<int>(s.column_int64(8));
    job.error_code = s.column_text(9);
    job.error_message = s.column_text(10);
    job.original.bytes = static_cast<uint64_t>(s.column_int64(11));
    job.original.width = static_cast<int>(s.column_int64(12));
    job.original.height = static_cast<int>(s.column_int64(13));
    job.original.format = s.column_text(14);
    IMGPIPE_ASSIGN_OR_RETURN(job.variants, variants_from_json(s.column_text(15)));
    job.created = from_nanos(s.column_int64(16));
    job.updated = from_nanos(s.column_int64(17));
    job.version = s.column_int64(18);
    placeholder_from_json(s.column_text(19), job.original);
    IMGPIPE_ASSIGN_OR_RETURN(job.rendered, variants_from_json(s.column_text(20)));
    return job;
}

void bind_job_row(SqliteStatement& s, const Job& job) {
    s.bind_text(1, job.id);
    s.bind_text(2, job.bucket);
    s.bind_text(3, job.key);
    s.bind_text(4, job.etag);
    s.bind_int64(5, static_cast<int64_t>(job.size));
    s.bind_text(6, job.sequencer);
    s.bind_text(7, job.event);
    s.bind_text(8, job_state_name(job.state));
    s.bind_int64(9, job.attempts);
    s.bind_text(10, job.error_code);
    s.bind_text(11, job.error_message);
    s.bind_int64(12, static_cast<int64_t>(job.original.bytes));
    s.bind_int64(13, job.original.width);
    s.bind_int64(14, job.original.height);
    s.bind_text(15, job.original.format);
    s.bind_text(16, variants_to_json(job.variants));
    s.bind_int64(17, to_nanos(job.created));
    s.bind_int64(18, to_nanos(job.updated));
    s.bind_int64(19, job.version);
    s.bind_text(20, placeholder_to_json(job.original));
    s.bind_text(21, variants_to_json(job.rendered));
}

}  // namespace imgpipe::queue::sqlite
