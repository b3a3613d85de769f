#include "store/local/sqlite_index.h"

#include <cstdlib>

#include "core/log.h"
#include "core/sqlite_wal_stamp.h"
#include "store/local/attribute_json.h"
#include "store/local/object_row_cache.h"

namespace imgpipe::store {
namespace {

// Rows kept by get_object's cache: a CDN origin's hot set, at well under 1 KiB a row.
constexpr size_t kCachedRows = 10'000;

// One transaction, so creating a fresh index costs one fsync rather than one per statement.
constexpr const char* kSchema = R"sql(
BEGIN;
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    created_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects (
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    headers TEXT NOT NULL,
    last_modified_ns INTEGER NOT NULL,
    data_id TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    data_inline INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_by_data_id ON objects (data_id);
CREATE TABLE IF NOT EXISTS bucket_cors (
    name TEXT PRIMARY KEY,
    cors_xml TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS object_data (
    data_id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS object_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_name TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS multipart_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    content_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    headers TEXT NOT NULL,
    initiated_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_by_key ON multipart_uploads (bucket, key, initiated_ns);
CREATE TABLE IF NOT EXISTS multipart_parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified_ns INTEGER NOT NULL,
    data_id TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS parts_by_data_id ON multipart_parts (data_id);
CREATE TABLE IF NOT EXISTS completed_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    parts TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    completed_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads (completed_ns);
CREATE TABLE IF NOT EXISTS bucket_acl (
    name TEXT PRIMARY KEY,
    acl INTEGER NOT NULL
) WITHOUT ROWID;
COMMIT;
)sql";

// Indexes written before inline objects (or part boundaries) existed lack the column; it is
// added on open.
constexpr const char* kAddInlineColumn =
    "ALTER TABLE objects ADD COLUMN data_inline INTEGER NOT NULL DEFAULT 0";
constexpr const char* kAddPartsColumn =
    "ALTER TABLE objects ADD COLUMN parts TEXT NOT NULL DEFAULT ''";
// CannedAcl as its number; rows from before ACLs are private, as they were.
constexpr const char* kAddAclColumn =
    "ALTER TABLE objects ADD COLUMN acl INTEGER NOT NULL DEFAULT 0";
constexpr const char* kAddUploadAclColumn =
    "ALTER TABLE multipart_uploads ADD COLUMN acl INTEGER NOT NULL DEFAULT 0";

// Additional checksums (objects, uploads, parts) came later still.
constexpr const char* kAddChecksumColumns[][3] = {
    {"objects", "checksum", "ALTER TABLE objects ADD COLUMN checksum TEXT NOT NULL DEFAULT ''"},
    {"multipart_uploads", "checksum",
     "ALTER TABLE multipart_uploads ADD COLUMN checksum TEXT NOT NULL DEFAULT ''"},
    {"multipart_parts", "checksum",
     "ALTER TABLE multipart_parts ADD COLUMN checksum TEXT NOT NULL DEFAULT ''"},
};

constexpr const char* kSelectObjectColumns =
    "key, size, etag, content_type, metadata, headers, last_modified_ns, data_id, created_by, "
    "data_inline, parts, acl, checksum";
// How many columns kSelectObjectColumns names: a column selected after them comes at this index.
constexpr int kObjectColumnCount = 13;

// Part sizes as stored: "5242880,5242880,17" ("" for an object that is not multipart).
std::string part_sizes_to_text(const std::vector<uint64_t>& sizes) {
    std::string out;
    for (uint64_t size : sizes) {
        if (!out.empty()) out += ",";
        out += std::to_string(size);
    }
    return out;
}

std::vector<uint64_t> part_sizes_from_text(const std::string& text) {
    std::vector<uint64_t> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        out.push_back(std::strtoull(text.c_str() + pos, nullptr, 10));
        pos = comma + 1;
    }
    return out;
}

// A stored ACL number; an unknown one (written by a later version) reads as private, the
// safe side.
CannedAcl acl_from_int(int64_t value) {
    switch (value) {
        case static_cast<int64_t>(CannedAcl::kPublicRead):
            return CannedAcl::kPublicRead;
        case static_cast<int64_t>(CannedAcl::kPublicReadWrite):
            return CannedAcl::kPublicReadWrite;
        default:
            return CannedAcl::kPrivate;
    }
}

ObjectRow read_object_row(const SqliteStatement& s, const std::string& bucket) {
    ObjectRow row;
    row.info.bucket = bucket;
    row.info.key = s.column_blob(0);
    row.info.size = static_cast<uint64_t>(s.column_int64(1));
    row.info.etag = s.column_text(2);
    row.info.attributes.content_type = s.column_text(3);
    row.info.attributes.metadata = map_from_json(s.column_text(4));
    row.info.attributes.headers = map_from_json(s.column_text(5));
    row.info.last_modified = from_nanos(s.column_int64(6));
    row.data_id = s.column_text(7);
    row.created_by = static_cast<CreatedBy>(s.column_int64(8));
    row.data_inline = s.column_int64(9) != 0;
    row.info.part_sizes = part_sizes_from_text(s.column_text(10));
    row.info.attributes.acl = acl_from_int(s.column_int64(11));
    row.info.checksum = checksum_from_text(s.column_text(12));
    return row;
}

Status add_column_if_missing(SqliteDb& db, const char* table, const char* column,
                             const char* alter) {
    IMGPIPE_ASSIGN_OR_RETURN(SqliteStatement s,
                             db.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2"));
    s.bind_text(1, table);
    s.bind_text(2, column);
    IMGPIPE_ASSIGN_OR_RETURN(bool present, s.step());
    return present ? Status::ok() : db.exec(alter);
}

Status add_column_if_missing(SqliteDb& db, const char* column, const char* alter) {
    return add_column_if_missing(db, "objects", column, alter);
}

}  // namespace

Status check_condition(const WriteCondition& condition,
                       const std::optional<std::string>& current_etag) {
    if (condition.if_none_match && current_etag) {
        return {StatusCode::kFailedPrecondition, "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold (If-None-Match: "
                "the key has an object)"};
    }
    if (condition.if_match) {
        if (!current_etag) return not_found("NoSuchKey", "If-Match: the key has no object");
        if (*current_etag != *condition.if_match) {
            return {StatusCode::kFailedPrecondition, "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold (If-Match)"};
        }
    }
    return Status::ok();
}

std::string checksum_to_text(const std::optional<ObjectChecksum>& checksum) {
    if (!checksum) return "";
    return checksum->algorithm + " " + checksum->type + " " + checksum->value;
}

std::optional<ObjectChecksum> checksum_from_text(const std::string& text) {
    const size_t first = text.find(' ');
    const size_t second = first == std::string::npos ? first : text.find(' ', first + 1);
    if (second == std::string::npos) return std::nullopt;
    return ObjectChecksum{text.substr(0, first), text.substr(second + 1),
                          text.substr(first + 1, second - first - 1)};
}

std::string prefix_upper_bound(const std::string& prefix) {
    std::string upper = prefix;
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
    if (upper.empty()) return std::string(1025, '\xFF');  // above every key of <= 1024 bytes
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
    return upper;
}

Result<std::unique_ptr<SqliteIndex>> SqliteIndex::open(const std::string& path,
                                                       SqliteIndexOptions options) {
    IMGPIPE_ASSIGN_OR_RETURN(auto writer, SqliteDb::open(path));
    IMGPIPE_RETURN_IF_ERROR(writer->exec(kSchema));
    IMGPIPE_RETURN_IF_ERROR(add_column_if_missing(*writer, "data_inline", kAddInlineColumn));
    IMGPIPE_RETURN_IF_ERROR(add_column_if_missing(*writer, "parts", kAddPartsColumn));
    IMGPIPE_RETURN_IF_ERROR(add_column_if_missing(*writer, "acl", kAddAclColumn));
    IMGPIPE_RETURN_IF_ERROR(
        add_column_if_missing(*writer, "multipart_uploads", "acl", kAddUploadAclColumn));
    for (const auto& [table, column, alter] : kAddChecksumColumns) {
        IMGPIPE_RETURN_IF_ERROR(add_column_if_missing(*writer, table, column, alter));
    }
    const int readers = options.reader_connections;
    std::unique_ptr<SqliteIndex> index(new SqliteIndex(std::move(writer), std::move(options)));
    IMGPIPE_RETURN_IF_ERROR(index->readers_.open(path, readers));
    auto stamp = SqliteWalStamp::open(*index->writer_.db);
    if (stamp.is_ok()) {
        index->stamp_ = std::move(stamp).value();
    } else {
        log::warn("object rows are not cached", {{"error", stamp.status().to_string()}});
    }
    return index;
}

SqliteIndex::SqliteIndex(std::unique_ptr<SqliteDb> writer, SqliteIndexOptions options)
    : options_(std::move(options)), rows_(std::make_unique<ObjectRowCache>(kCachedRows)) {
    writer_.db = std::move(writer);
}

SqliteIndex::~SqliteIndex() = default;

Status SqliteIndex::require_bucket(Connection& c, const std::string& bucket) {
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT 1 FROM buckets WHERE name = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, bucket);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (!found) return not_found("NoSuchBucket", "no bucket " + bucket);
    return Status::ok();
}

Status SqliteIndex::create_bucket(const std::string& name, TimePoint created) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s,
        c.stmt("INSERT INTO buckets (name, created_ns) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, name);
    s->bind_int64(2, to_nanos(created));
    IMGPIPE_RETURN_IF_ERROR(s->run());
    if (c.db->changes() == 0) {
        return {StatusCode::kAlreadyExists, "BucketAlreadyOwnedByYou",
                "bucket " + name + " exists"};
    }
    return Status::ok();
}

Result<std::vector<std::string>> SqliteIndex::delete_bucket(const std::string& name) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, name));
    IMGPIPE_ASSIGN_OR_RETURN(auto* used, c.stmt("SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1"));
    {
        SqliteStatement::Use use(*used);
        used->bind_text(1, name);
        IMGPIPE_ASSIGN_OR_RETURN(bool not_empty, used->step());
        if (not_empty) {
            return Status(StatusCode::kFailedPrecondition, "BucketNotEmpty",
                          "bucket " + name + " still holds objects");
        }
    }
    // As S3: uploads still in progress go with the bucket (they are not contents a client can
    // see in a listing, and a bucket they kept alive could never be deleted by `aws s3 rb`).
    std::vector<std::string> upload_ids;
    {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s, c.stmt("SELECT upload_id FROM multipart_uploads WHERE bucket = ?1"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, name);
        for (;;) {
            IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
            if (!row) break;
            upload_ids.push_back(s->column_text(0));
        }
    }
    std::vector<std::string> part_data_ids;
    for (const std::string& id : upload_ids) {
        IMGPIPE_ASSIGN_OR_RETURN(auto data_ids, delete_parts_locked(id));
        part_data_ids.insert(part_data_ids.end(), data_ids.begin(), data_ids.end());
    }
    for (const char* sql :
         {"DELETE FROM buckets WHERE name = ?1", "DELETE FROM bucket_cors WHERE name = ?1",
          "DELETE FROM completed_uploads WHERE bucket = ?1",
          "DELETE FROM bucket_acl WHERE name = ?1"}) {
        IMGPIPE_ASSIGN_OR_RETURN(auto* del, c.stmt(sql));
        SqliteStatement::Use use(*del);
        del->bind_text(1, name);
        IMGPIPE_RETURN_IF_ERROR(del->run());
    }
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return part_data_ids;
}

Result<std::string> SqliteIndex::get_bucket_cors(const std::string& bucket) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT cors_xml FROM bucket_cors WHERE name = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, bucket);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    return found ? s->column_text(0) : std::string();
}

Status SqliteIndex::put_bucket_cors(const std::string& bucket, const std::string& cors_xml) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt(cors_xml.empty() ? "DELETE FROM bucket_cors WHERE name = ?1"
                                         : "INSERT OR REPLACE INTO bucket_cors (name, cors_xml) "
                                           "VALUES (?1, ?2)"));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, bucket);
        if (!cors_xml.empty()) s->bind_text(2, cors_xml);
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    return txn.commit();
}

Result<std::optional<CannedAcl>> SqliteIndex::get_bucket_acl(const std::string& bucket) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT acl FROM bucket_acl WHERE name = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, bucket);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (!found) return std::optional<CannedAcl>();
    return std::optional(acl_from_int(s->column_int64(0)));
}

Status SqliteIndex::put_bucket_acl(const std::string& bucket, CannedAcl acl) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("INSERT OR REPLACE INTO bucket_acl (name, acl) VALUES (?1, ?2)"));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, bucket);
        s->bind_int64(2, static_cast<int64_t>(acl));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    return txn.commit();
}

Status SqliteIndex::put_object_acl(const std::string& bucket, const std::string& key,
                                   CannedAcl acl) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             c.stmt("UPDATE objects SET acl = ?3 WHERE bucket = ?1 AND key = ?2"));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, bucket);
        s->bind_blob(2, key);
        s->bind_int64(3, static_cast<int64_t>(acl));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    if (c.db->changes() == 0) return not_found("NoSuchKey", "no object " + key);
    return txn.commit();
}

Result<BucketInfo> SqliteIndex::get_bucket(const std::string& name) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT created_ns FROM buckets WHERE name = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, name);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (!found) return not_found("NoSuchBucket", "no bucket " + name);
    return BucketInfo{name, from_nanos(s->column_int64(0))};
}

Result<std::vector<BucketInfo>> SqliteIndex::list_buckets() {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT name, created_ns FROM buckets ORDER BY name"));
    SqliteStatement::Use use(*s);
    std::vector<BucketInfo> out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        out.push_back({s->column_text(0), from_nanos(s->column_int64(1))});
    }
}

Result<ObjectRow> SqliteIndex::get_object(const std::string& bucket, const std::string& key,
                                          bool with_inline_bytes) {
    std::optional<SqliteWalStamp::Value> before;
    if (stamp_) before = stamp_->read();
    if (before && !with_inline_bytes) {
        if (auto row = rows_->find(*before, bucket, key)) return std::move(*row);
    }
    IMGPIPE_ASSIGN_OR_RETURN(ObjectRow row, lookup_object(bucket, key, with_inline_bytes));
    if (before && stamp_->read() == before) rows_->insert(*before, bucket, key, row);
    return row;
}

size_t SqliteIndex::cached_rows() const { return rows_->size(); }

Result<ObjectRow> SqliteIndex::lookup_object(const std::string& bucket, const std::string& key,
                                             bool with_inline_bytes) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    static const std::string sql = std::string("SELECT ") + kSelectObjectColumns +
                                   " FROM objects WHERE bucket = ?1 AND key = ?2";
    // One statement, so the row and its bytes come from the same snapshot.
    static const std::string with_bytes_sql =
        std::string("SELECT ") + kSelectObjectColumns +
        ", CASE WHEN data_inline THEN (SELECT bytes FROM object_data "
        "WHERE object_data.data_id = objects.data_id) END "
        "FROM objects WHERE bucket = ?1 AND key = ?2";
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             c.stmt(with_inline_bytes ? with_bytes_sql.c_str() : sql.c_str()));
    SqliteStatement::Use use(*s);
    s->bind_text(1, bucket);
    s->bind_blob(2, key);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (found) {
        ObjectRow row = read_object_row(*s, bucket);
        if (with_inline_bytes && row.data_inline)
            row.inline_bytes = s->column_blob(kObjectColumnCount);
        return row;
    }
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    return not_found("NoSuchKey", "no key in bucket " + bucket);
}

Status SqliteIndex::append_event(const ObjectEvent& e) {
    Connection& c = writer_;  // REQUIRES: c.mu held
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("INSERT INTO object_events (event_name, bucket, key, size, etag, time_ns) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, e.event_name);
    s->bind_text(2, e.bucket);
    s->bind_blob(3, e.key);
    s->bind_int64(4, static_cast<int64_t>(e.size));
    s->bind_text(5, e.etag);
    s->bind_int64(6, to_nanos(e.time));
    return s->run();
}

Result<std::string> SqliteIndex::commit_object_locked(const ObjectRow& row) {
    Connection& c = writer_;  // REQUIRES: c.mu held
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, row.info.bucket));
    std::string replaced;
    bool replaced_inline = false;
    {
        IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT data_id, data_inline, etag FROM objects "
                                                 "WHERE bucket = ?1 AND key = ?2"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.info.bucket);
        s->bind_blob(2, row.info.key);
        IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
        IMGPIPE_RETURN_IF_ERROR(check_condition(
            row.condition, found ? std::optional(s->column_text(2)) : std::nullopt));
        if (found) {
            replaced = s->column_text(0);
            replaced_inline = s->column_int64(1) != 0;
        }
    }
    if (replaced_inline) {
        IMGPIPE_RETURN_IF_ERROR(delete_inline_bytes(c, replaced));
        replaced.clear();  // no file to remove
    }
    if (row.data_inline) {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s, c.stmt("INSERT INTO object_data (data_id, bytes) VALUES (?1, ?2)"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.data_id);
        s->bind_blob(2, row.inline_bytes);
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("INSERT OR REPLACE INTO objects (bucket, key, size, etag, content_type, "
                        "metadata, headers, last_modified_ns, data_id, created_by, data_inline, "
                        "parts, acl, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                        "?11, ?12, ?13, ?14)"));
    {
        SqliteStatement::Use use(*s);
        const ObjectInfo& info = row.info;
        s->bind_text(1, info.bucket);
        s->bind_blob(2, info.key);
        s->bind_int64(3, static_cast<int64_t>(info.size));
        s->bind_text(4, info.etag);
        s->bind_text(5, info.attributes.content_type);
        s->bind_text(6, map_to_json(info.attributes.metadata));
        s->bind_text(7, map_to_json(info.attributes.headers));
        s->bind_int64(8, to_nanos(info.last_modified));
        s->bind_text(9, row.data_id);
        s->bind_int64(10, static_cast<int64_t>(row.created_by));
        s->bind_int64(11, row.data_inline ? 1 : 0);
        s->bind_text(12, part_sizes_to_text(info.part_sizes));
        s->bind_int64(13, static_cast<int64_t>(info.attributes.acl));
        s->bind_text(14, checksum_to_text(info.checksum));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    IMGPIPE_RETURN_IF_ERROR(
        append_event({0, created_event_name(row.created_by), row.info.bucket, row.info.key,
                      row.info.size, row.info.etag, row.info.last_modified}));
    return replaced;
}

Status SqliteIndex::delete_inline_bytes(Connection& c, const std::string& data_id) {
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("DELETE FROM object_data WHERE data_id = ?1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, data_id);
    return s->run();
}

Result<std::string> SqliteIndex::commit_object(const ObjectRow& row) {
    return std::move(commit_objects({&row, 1}).front());
}

std::vector<Result<std::string>> SqliteIndex::commit_objects(std::span<const ObjectRow> rows) {
    // Each commit waits for an fsync; puts that arrive while one is in flight (the variants of
    // one image, concurrent uploads) are committed together by the first of them, like
    // leveldb's writer queue, instead of one fsync after another. The rows of one call enter
    // the queue together, so one batch always takes all of them.
    std::vector<PendingCommit> mine(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) mine[i].row = &rows[i];
    std::vector<Result<std::string>> results;
    if (mine.empty()) return results;
    PendingCommit& first = mine.front();
    std::unique_lock group_lock(group_mu_);
    for (PendingCommit& p : mine) group_.push_back(&p);
    group_cv_.wait(group_lock, [&] { return first.done || group_.front() == &first; });
    if (!first.done) lead_group(group_lock);
    for (PendingCommit& p : mine) results.push_back(std::move(p.result));
    return results;
}

void SqliteIndex::lead_group(std::unique_lock<std::mutex>& group_lock) {
    std::vector<PendingCommit*> batch(group_.begin(), group_.end());
    group_lock.unlock();
    {
        std::lock_guard lock(writer_.mu);
        commit_group(batch);
    }
    group_lock.lock();
    for (PendingCommit* p : batch) {
        p->done = true;
        group_.pop_front();  // the batch is the front of the queue, in order
    }
    group_cv_.notify_all();
}

void SqliteIndex::commit_group(const std::vector<PendingCommit*>& batch) {
    Connection& c = writer_;
    SqliteTransaction txn(*c.db);
    if (!txn.status().is_ok()) {
        for (PendingCommit* p : batch) p->result = txn.status();
        return;
    }
    for (PendingCommit* p : batch) {
        Status st = c.db->exec("SAVEPOINT row");
        if (st.is_ok()) {
            p->result = commit_object_locked(*p->row);
            st = p->result.is_ok() ? c.db->exec("RELEASE row")
                                   : c.db->exec("ROLLBACK TO row; RELEASE row");
        }
        if (!st.is_ok()) {
            // The savepoint machinery itself failed: no row can be trusted to be whole, so
            // none is committed (the transaction rolls back when `txn` goes).
            for (PendingCommit* q : batch) q->result = st;
            return;
        }
    }
    Status committed = txn.commit();
    if (!committed.is_ok()) {
        for (PendingCommit* p : batch) p->result = committed;
    }
}

Result<std::string> SqliteIndex::delete_object(const std::string& bucket, const std::string& key,
                                               TimePoint now) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("DELETE FROM objects WHERE bucket = ?1 AND key = ?2 "
                                             "RETURNING data_id, data_inline"));
    std::string removed;
    bool removed_inline = false;
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, bucket);
        s->bind_blob(2, key);
        IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
        if (!found) return std::string();
        removed = s->column_text(0);
        removed_inline = s->column_int64(1) != 0;
        IMGPIPE_ASSIGN_OR_RETURN(bool more, s->step());
        (void)more;
    }
    if (removed_inline) {
        IMGPIPE_RETURN_IF_ERROR(delete_inline_bytes(c, removed));
        removed.clear();  // no file to remove
    }
    IMGPIPE_RETURN_IF_ERROR(append_event({0, kRemovedEventName, bucket, key, 0, "", now}));
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return removed;
}

Result<std::unique_ptr<ObjectCursor>> SqliteIndex::scan_objects(const std::string& bucket,
                                                                const std::string& upper) {
    auto lease = readers_.acquire();
    // Only what a listing shows: the attributes' JSON is neither read nor decoded.
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, lease->stmt("SELECT key, size, etag, last_modified_ns FROM objects "
                             "WHERE bucket = ?1 AND key >= ?2 AND key < ?3 ORDER BY key"));
    const auto* on_row = options_.on_cursor_row ? &options_.on_cursor_row : nullptr;
    return std::unique_ptr<ObjectCursor>(
        new ObjectCursor(std::move(lease), s, bucket, upper, on_row));
}

Status ObjectCursor::seek(const std::string& lower) {
    use_.reset();  // resets the statement
    use_.emplace(*s_);
    s_->bind_text(1, bucket_);
    s_->bind_blob(2, lower);
    s_->bind_blob(3, upper_);
    return Status::ok();
}

Result<bool> ObjectCursor::next() {
    IMGPIPE_ASSIGN_OR_RETURN(bool row, s_->step());
    if (row && on_row_ != nullptr) (*on_row_)(s_->column_blob(0));
    return row;
}

std::string ObjectCursor::key() const { return s_->column_blob(0); }

ObjectInfo ObjectCursor::info() const {
    ObjectInfo info;
    info.bucket = bucket_;
    info.key = s_->column_blob(0);
    info.size = static_cast<uint64_t>(s_->column_int64(1));
    info.etag = s_->column_text(2);
    info.last_modified = from_nanos(s_->column_int64(3));
    return info;
}

Result<std::vector<ObjectEvent>> SqliteIndex::read_events(int64_t after_seq, int limit) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s,
        c.stmt("SELECT seq, event_name, bucket, key, size, etag, time_ns FROM object_events "
               "WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, after_seq);
    s->bind_int64(2, limit);
    std::vector<ObjectEvent> out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        out.push_back({s->column_int64(0), s->column_text(1), s->column_text(2), s->column_blob(3),
                       static_cast<uint64_t>(s->column_int64(4)), s->column_text(5),
                       from_nanos(s->column_int64(6))});
    }
}

Status SqliteIndex::delete_events_through(int64_t seq) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("DELETE FROM object_events WHERE seq <= ?1"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, seq);
    return s->run();
}

Result<bool> SqliteIndex::object_data_referenced(const std::string& data_id) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT 1 FROM objects WHERE data_id = ?1 LIMIT 1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, data_id);
    return s->step();
}

Result<bool> SqliteIndex::part_data_referenced(const std::string& data_id) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             c.stmt("SELECT 1 FROM multipart_parts WHERE data_id = ?1 LIMIT 1"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, data_id);
    return s->step();
}

}  // namespace imgpipe::store
