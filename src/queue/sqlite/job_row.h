#pragma once
// The `jobs` table of SqliteJobStore: its schema, the statements that read and write whole rows,
// and the mapping between a row and a Job. Variants are stored as a JSON array of objects
// ({"name", "bucket", "key", "width", "height", "bytes", "format", "content_type", "etag"}) so the
// `imgpipe jobs` CLI and the sqlite3 shell can read them — the upload's in `variants`, those
// rendered on request in `rendered`; so is the original's placeholder
// ({"thumbhash", "dominantColor"}); the rest are plain columns.

#include "core/sqlite_db.h"
#include "queue/job_store.h"
#include "queue/variants_json.h"

namespace imgpipe::queue::sqlite {

// Creates the table and its indexes if missing (one transaction).
extern const char* const kJobsSchema;
extern const char* const kSelectJobById;    // ?1 = id
extern const char* const kListJobs;         // ?1 = limit; most recently updated first, then id
extern const char* const kListJobsInState;  // ?1 = limit, ?2 = state name; same order
extern const char* const kUpsertJobRow;     // parameters bound by bind_job_row

// Adds the columns later versions added to a table an older one made.
Status add_missing_columns(SqliteDb& db);

// The Job in the current row of a statement selecting the job columns. DataLoss when the row
// cannot be read (an unknown state, variants that are not the JSON above).
Result<Job> read_job_row(const SqliteStatement& s);
// Binds every column of `job` to kUpsertJobRow.
void bind_job_row(SqliteStatement& s, const Job& job);

}  // namespace imgpipe::queue::sqlite
