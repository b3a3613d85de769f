#pragma once
// A job's variants as JSON text — an array of objects {"name", "bucket", "key", "width",
// "height", "bytes", "format", "content_type", "etag"} plus "frames" when more than 1 and "note"
// when set — the form the job stores keep them in (a
// SQLite column, a Redis hash field), readable by `imgpipe jobs`, the sqlite3 shell and redis-cli.
// Pure functions.

#include <string>
#include <vector>

#include "core/result.h"
#include "queue/job_store.h"

namespace imgpipe::queue {

std::string variants_to_json(const std::vector<VariantResult>& variants);
// DataLoss (reason CorruptJobRow) on malformed text, a missing member or a wrong type.
Result<std::vector<VariantResult>> variants_from_json(const std::string& json);

}  // namespace imgpipe::queue
