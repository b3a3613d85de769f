// The multipart-upload half of SqliteIndex: upload rows, part rows, and completing an upload in
// the same transaction as the object row and its event.

#include "store/local/attribute_json.h"
#include "store/local/sqlite_index.h"

namespace imgpipe::store {
namespace {

Status no_such_upload(const std::string& upload_id) {
    return not_found("NoSuchUpload", "no multipart upload " + upload_id);
}

}  // namespace

Status SqliteIndex::create_upload(const UploadRow& row) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, row.info.bucket));
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("INSERT INTO multipart_uploads (upload_id, bucket, key, content_type, "
                        "metadata, headers, initiated_ns, acl, checksum) VALUES (?1, ?2, ?3, ?4, "
                        "?5, ?6, ?7, ?8, ?9)"));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.info.upload_id);
        s->bind_text(2, row.info.bucket);
        s->bind_blob(3, row.info.key);
        s->bind_text(4, row.attributes.content_type);
        s->bind_text(5, map_to_json(row.attributes.metadata));
        s->bind_text(6, map_to_json(row.attributes.headers));
        s->bind_int64(7, to_nanos(row.info.initiated));
        s->bind_int64(8, static_cast<int64_t>(row.attributes.acl));
        s->bind_text(9, checksum_to_text(row.checksum));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    return txn.commit();
}

Result<UploadRow> SqliteIndex::get_upload(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("SELECT content_type, metadata, headers, initiated_ns, acl, checksum FROM "
                        "multipart_uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, upload_id);
    s->bind_text(2, bucket);
    s->bind_blob(3, key);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (!found) return no_such_upload(upload_id);
    UploadRow row;
    row.info = {bucket, key, upload_id, from_nanos(s->column_int64(3))};
    row.attributes.content_type = s->column_text(0);
    row.attributes.metadata = map_from_json(s->column_text(1));
    row.attributes.headers = map_from_json(s->column_text(2));
    // Only what create_multipart_upload stored: kPrivate or kPublicRead.
    if (s->column_int64(4) == static_cast<int64_t>(CannedAcl::kPublicRead)) {
        row.attributes.acl = CannedAcl::kPublicRead;
    }
    row.checksum = checksum_from_text(s->column_text(5));
    return row;
}

Result<std::string> SqliteIndex::commit_part(const PartRow& row) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    {
        IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                                 c.stmt("SELECT 1 FROM multipart_uploads WHERE upload_id = ?1"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.upload_id);
        IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
        if (!found) return no_such_upload(row.upload_id);
    }
    std::string replaced;
    {
        IMGPIPE_ASSIGN_OR_RETURN(auto* s, c.stmt("SELECT data_id FROM multipart_parts "
                                                 "WHERE upload_id = ?1 AND part_number = ?2"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.upload_id);
        s->bind_int64(2, row.info.part_number);
        IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
        if (found) replaced = s->column_text(0);
    }
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s,
        c.stmt("INSERT OR REPLACE INTO multipart_parts (upload_id, part_number, size, etag, "
               "last_modified_ns, data_id, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    {
        SqliteStatement::Use use(*s);
        s->bind_text(1, row.upload_id);
        s->bind_int64(2, row.info.part_number);
        s->bind_int64(3, static_cast<int64_t>(row.info.size));
        s->bind_text(4, row.info.etag);
        s->bind_int64(5, to_nanos(row.info.last_modified));
        s->bind_text(6, row.data_id);
        s->bind_text(7, checksum_to_text(row.info.checksum));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return replaced;
}

Result<std::vector<PartRow>> SqliteIndex::list_parts(const std::string& upload_id, int after_part,
                                                     int limit) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("SELECT part_number, size, etag, last_modified_ns, data_id, checksum FROM "
                        "multipart_parts WHERE upload_id = ?1 AND part_number > ?2 "
                        "ORDER BY part_number LIMIT ?3"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, upload_id);
    s->bind_int64(2, after_part);
    s->bind_int64(3, limit);
    std::vector<PartRow> out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        PartRow part;
        part.upload_id = upload_id;
        part.info = {static_cast<int>(s->column_int64(0)),
                     static_cast<uint64_t>(s->column_int64(1)), s->column_text(2),
                     from_nanos(s->column_int64(3))};
        part.data_id = s->column_text(4);
        part.info.checksum = checksum_from_text(s->column_text(5));
        out.push_back(std::move(part));
    }
}

Result<std::vector<MultipartUploadInfo>> SqliteIndex::list_uploads(const std::string& bucket,
                                                                   const std::string& prefix) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_RETURN_IF_ERROR(require_bucket(c, bucket));
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("SELECT key, upload_id, initiated_ns FROM multipart_uploads WHERE bucket = "
                        "?1 AND key >= ?2 AND key < ?3 ORDER BY key, initiated_ns, upload_id"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, bucket);
    s->bind_blob(2, prefix);
    s->bind_blob(3, prefix_upper_bound(prefix));
    std::vector<MultipartUploadInfo> out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        out.push_back(
            {bucket, s->column_blob(0), s->column_text(1), from_nanos(s->column_int64(2))});
    }
}

Result<std::vector<MultipartUploadInfo>> SqliteIndex::uploads_initiated_before(TimePoint cutoff) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("SELECT bucket, key, upload_id, initiated_ns FROM multipart_uploads "
                        "WHERE initiated_ns < ?1 ORDER BY initiated_ns"));
    SqliteStatement::Use use(*s);
    s->bind_int64(1, to_nanos(cutoff));
    std::vector<MultipartUploadInfo> out;
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) return out;
        out.push_back({s->column_text(0), s->column_blob(1), s->column_text(2),
                       from_nanos(s->column_int64(3))});
    }
}

Status SqliteIndex::require_upload(Connection& c, const std::string& upload_id,
                                   const std::string& bucket, const std::string& key) {
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("SELECT 1 FROM multipart_uploads WHERE upload_id = ?1 AND bucket = ?2 "
                        "AND key = ?3"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, upload_id);
    s->bind_text(2, bucket);
    s->bind_blob(3, key);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    return found ? Status::ok() : no_such_upload(upload_id);
}

Result<std::vector<std::string>> SqliteIndex::delete_parts_locked(const std::string& upload_id) {
    Connection& c = writer_;  // REQUIRES: c.mu held
    std::vector<std::string> data_ids;
    IMGPIPE_ASSIGN_OR_RETURN(
        auto* s, c.stmt("DELETE FROM multipart_parts WHERE upload_id = ?1 RETURNING data_id"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, upload_id);
    for (;;) {
        IMGPIPE_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) break;
        data_ids.push_back(s->column_text(0));
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto* u, c.stmt("DELETE FROM multipart_uploads WHERE upload_id = ?1"));
    SqliteStatement::Use use_u(*u);
    u->bind_text(1, upload_id);
    IMGPIPE_RETURN_IF_ERROR(u->run());
    return data_ids;
}

Result<std::vector<std::string>> SqliteIndex::delete_upload(const std::string& bucket,
                                                            const std::string& key,
                                                            const std::string& upload_id) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_upload(c, upload_id, bucket, key));
    IMGPIPE_ASSIGN_OR_RETURN(auto data_ids, delete_parts_locked(upload_id));
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return data_ids;
}

Result<CompletedUpload> SqliteIndex::complete_upload(const std::string& upload_id,
                                                     const ObjectRow& object,
                                                     const std::string& parts,
                                                     TimePoint forget_before) {
    Connection& c = writer_;
    std::lock_guard lock(c.mu);
    SqliteTransaction txn(*c.db);
    IMGPIPE_RETURN_IF_ERROR(txn.status());
    IMGPIPE_RETURN_IF_ERROR(require_upload(c, upload_id, object.info.bucket, object.info.key));
    CompletedUpload done;
    IMGPIPE_ASSIGN_OR_RETURN(done.replaced_data_id, commit_object_locked(object));
    IMGPIPE_ASSIGN_OR_RETURN(done.part_data_ids, delete_parts_locked(upload_id));
    {
        IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                                 c.stmt("DELETE FROM completed_uploads WHERE completed_ns < ?1"));
        SqliteStatement::Use use(*s);
        s->bind_int64(1, to_nanos(forget_before));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto* s,
            c.stmt("INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, "
                   "parts, size, etag, completed_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        SqliteStatement::Use use(*s);
        s->bind_text(1, upload_id);
        s->bind_text(2, object.info.bucket);
        s->bind_blob(3, object.info.key);
        s->bind_text(4, parts);
        s->bind_int64(5, static_cast<int64_t>(object.info.size));
        s->bind_text(6, object.info.etag);
        s->bind_int64(7, to_nanos(object.info.last_modified));
        IMGPIPE_RETURN_IF_ERROR(s->run());
    }
    IMGPIPE_RETURN_IF_ERROR(txn.commit());
    return done;
}

Result<std::optional<CompletedUploadRecord>> SqliteIndex::completed_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id) {
    auto lease = readers_.acquire();
    Connection& c = *lease;
    IMGPIPE_ASSIGN_OR_RETURN(auto* s,
                             c.stmt("SELECT parts, size, etag, completed_ns FROM completed_uploads "
                                    "WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3"));
    SqliteStatement::Use use(*s);
    s->bind_text(1, upload_id);
    s->bind_text(2, bucket);
    s->bind_blob(3, key);
    IMGPIPE_ASSIGN_OR_RETURN(bool found, s->step());
    if (!found) return std::optional<CompletedUploadRecord>();
    CompletedUploadRecord record;
    record.parts = s->column_text(0);
    record.info.bucket = bucket;
    record.info.key = key;
    record.info.size = static_cast<uint64_t>(s->column_int64(1));
    record.info.etag = s->column_text(2);
    record.info.last_modified = from_nanos(s->column_int64(3));
    return std::optional(std::move(record));
}

}  // namespace imgpipe::store
