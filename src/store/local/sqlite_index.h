#pragma once
// SqliteIndex: the local store's catalogue in `<data>/index.db` — buckets, object rows (which
// data file holds each key's bytes, plus size, ETag, attributes), multipart uploads and their
// parts, and the `object_events` outbox. Every change that must be atomic with another (object
// row + its event, completing an upload + removing its parts) is one method and one
// transaction. Keys are stored and compared as BLOBs, so ordering is byte order.
//
// It knows nothing about files: methods that replace or remove rows return the data ids that
// are no longer referenced, and the caller deletes those files after the commit. The bytes of
// inline objects (ObjectRow::data_inline) live in its `object_data` table and come and go with
// their rows.
// Thread-safe: one connection for changes, used under its mutex, and a small pool of read-only
// connections (SqliteReaderPool), each read borrowing one, so reads run in parallel.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/sqlite_db.h"
#include "store/local/sqlite_reader_pool.h"
#include "store/object_event.h"
#include "store/object_store.h"

namespace imgpipe {
class SqliteWalStamp;
}  // namespace imgpipe

namespace imgpipe::store {

class ObjectRowCache;

struct ObjectRow {
    ObjectInfo info;
    // Names the file under objects/ or, for an inline object, its row in object_data.
    std::string data_id;
    CreatedBy created_by = CreatedBy::kPut;
    // Small objects keep their bytes in the index rather than in a file of their own: a put
    // then costs one fsync (the index commit) instead of three (file, directory, index).
    bool data_inline = false;
    std::string inline_bytes;  // when data_inline: set to commit; read by get_object on request
    WriteCondition condition;  // checked by commit_object against the current row; not stored
};

struct UploadRow {
    MultipartUploadInfo info;
    ObjectAttributes attributes;
    std::optional<ObjectChecksum> checksum;  // algorithm and type the upload was created with
};

struct PartRow {
    std::string upload_id;
    PartInfo info;
    std::string data_id;  // names the file under parts/
};

struct CompletedUpload {
    std::string replaced_data_id;  // the object data file now unreferenced, "" if none
    std::vector<std::string> part_data_ids;
};

// What is remembered of a completed upload, to answer a retry of its completion.
struct CompletedUploadRecord {
    std::string parts;  // the completion's part list, as complete_upload was given it
    ObjectInfo info;    // bucket, key, size, ETag, and the completion time as last_modified
};

// Whether a write under `condition` may replace the object whose ETag is `current_etag`
// (nullopt: the key has no object): PreconditionFailed or NoSuchKey as WriteCondition says.
Status check_condition(const WriteCondition& condition,
                       const std::optional<std::string>& current_etag);

struct SqliteIndexOptions {
    int reader_connections = 4;
    // Called with each row an ObjectCursor steps onto (tests count and pause listings with it).
    std::function<void(const std::string& key)> on_cursor_row;
};

// A walk through the object rows of one bucket below an upper bound, in key order, on one
// borrowed reader connection (held until the cursor is destroyed). It steps the index only as
// far as asked and reads only the columns a listing shows. Used by one thread.
class ObjectCursor {
  public:
    // Positions before the first key >= lower: one indexed seek.
    Status seek(const std::string& lower);
    // Steps onto the next row; false past the last one. REQUIRES: seek() was called.
    Result<bool> next();
    // The current row's key; its key, size, ETag and last-modified time (no attributes).
    // REQUIRES: next() returned true.
    std::string key() const;
    ObjectInfo info() const;

  private:
    friend class SqliteIndex;
    ObjectCursor(SqliteReaderPool::Lease lease, SqliteStatement* statement, std::string bucket,
                 std::string upper, const std::function<void(const std::string&)>* on_row)
        : lease_(std::move(lease)),
          s_(statement),
          bucket_(std::move(bucket)),
          upper_(std::move(upper)),
          on_row_(on_row) {}

    SqliteReaderPool::Lease lease_;
    SqliteStatement* s_;  // owned by the leased connection's cache
    std::string bucket_;
    std::string upper_;
    const std::function<void(const std::string&)>* on_row_;
    std::optional<SqliteStatement::Use> use_;  // resets the statement when done
};

// The smallest byte string greater than every string starting with `prefix`; for an empty or
// all-0xFF prefix, a string greater than any valid key.
std::string prefix_upper_bound(const std::string& prefix);

class SqliteIndex {
  public:
    // Opens or creates the database and its schema.
    static Result<std::unique_ptr<SqliteIndex>> open(const std::string& path,
                                                     SqliteIndexOptions options = {});
    ~SqliteIndex();

    // kAlreadyExists/BucketAlreadyOwnedByYou.
    Status create_bucket(const std::string& name, TimePoint created);
    // Removes the bucket with its uploads in progress; returns their parts' data ids.
    // NoSuchBucket, BucketNotEmpty (objects remain).
    Result<std::vector<std::string>> delete_bucket(const std::string& name);
    Result<BucketInfo> get_bucket(const std::string& name);  // NoSuchBucket
    Result<std::vector<BucketInfo>> list_buckets();
    // The bucket's CORS XML, "" when none; put "" to remove it. NoSuchBucket.
    Result<std::string> get_bucket_cors(const std::string& bucket);
    Status put_bucket_cors(const std::string& bucket, const std::string& cors_xml);
    // The bucket's canned ACL, nullopt when none was set. NoSuchBucket.
    Result<std::optional<CannedAcl>> get_bucket_acl(const std::string& bucket);
    Status put_bucket_acl(const std::string& bucket, CannedAcl acl);
    // Sets the ACL of the current row of bucket/key (no event: the object is unchanged).
    // NoSuchBucket, NoSuchKey.
    Status put_object_acl(const std::string& bucket, const std::string& key, CannedAcl acl);

    // NoSuchBucket, NoSuchKey. With `with_inline_bytes`, an inline row comes with its bytes.
    // A row read lately comes from memory while the database has had no commit since.
    Result<ObjectRow> get_object(const std::string& bucket, const std::string& key,
                                 bool with_inline_bytes = false);
    // How many rows get_object holds in memory now (0 without a WAL-index to check them by).
    size_t cached_rows() const;
    // Inserts or replaces the row and appends its created event, atomically. Returns the data id
    // it replaced ("" if none). NoSuchBucket. Concurrent calls share one transaction and one
    // fsync (group commit: the first caller commits for every row waiting with it, each row in a
    // savepoint of its own so that one row's failure is its own).
    Result<std::string> commit_object(const ObjectRow& row);
    // commit_object for several rows, in one transaction (each row still in its own savepoint,
    // so each succeeds or fails on its own). Results in the order of `rows`.
    std::vector<Result<std::string>> commit_objects(std::span<const ObjectRow> rows);
    // Removes the row and appends an ObjectRemoved event. Returns the removed data id, "" when
    // the key did not exist (no event then). NoSuchBucket.
    Result<std::string> delete_object(const std::string& bucket, const std::string& key,
                                      TimePoint now);
    // A cursor over the rows of `bucket` with key < upper; seek() it before stepping.
    Result<std::unique_ptr<ObjectCursor>> scan_objects(const std::string& bucket,
                                                       const std::string& upper);

    Result<std::vector<ObjectEvent>> read_events(int64_t after_seq, int limit);
    Status delete_events_through(int64_t seq);

    // For the sweep at open: whether any row names this data file.
    Result<bool> object_data_referenced(const std::string& data_id);
    Result<bool> part_data_referenced(const std::string& data_id);

    // Multipart (sqlite_index_multipart.cpp). NoSuchBucket.
    Status create_upload(const UploadRow& row);
    // NoSuchUpload unless the upload exists for this bucket and key.
    Result<UploadRow> get_upload(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id);
    // Inserts or replaces a part; returns the replaced part's data id ("" if none).
    // NoSuchUpload.
    Result<std::string> commit_part(const PartRow& row);
    Result<std::vector<PartRow>> list_parts(const std::string& upload_id, int after_part,
                                            int limit);
    Result<std::vector<MultipartUploadInfo>> list_uploads(const std::string& bucket,
                                                          const std::string& prefix);
    // Uploads of every bucket begun before `cutoff`, oldest first.
    Result<std::vector<MultipartUploadInfo>> uploads_initiated_before(TimePoint cutoff);
    // Removes the upload and its parts; returns the parts' data ids. NoSuchUpload.
    Result<std::vector<std::string>> delete_upload(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id);
    // In one transaction: commits `object` (with its event), removes the upload and its
    // parts, and records the completion under `parts` (the request's part list, for
    // completed_upload) while forgetting completions recorded before `forget_before`.
    // NoSuchUpload, or commit_object's errors.
    Result<CompletedUpload> complete_upload(const std::string& upload_id, const ObjectRow& object,
                                            const std::string& parts, TimePoint forget_before);
    // The record complete_upload kept of this upload of bucket/key; nullopt when none.
    Result<std::optional<CompletedUploadRecord>> completed_upload(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& upload_id);

  private:
    using Connection = SqliteConnection;

    SqliteIndex(std::unique_ptr<SqliteDb> writer, SqliteIndexOptions options);

    // get_object without the cache.
    Result<ObjectRow> lookup_object(const std::string& bucket, const std::string& key,
                                    bool with_inline_bytes);

    // REQUIRES: c.mu held.
    Status require_bucket(Connection& c, const std::string& bucket);
    // NoSuchUpload unless `upload_id` is an upload of bucket/key. REQUIRES: c.mu held.
    Status require_upload(Connection& c, const std::string& upload_id, const std::string& bucket,
                          const std::string& key);
    // REQUIRES: writer_.mu held, inside a transaction.
    Result<std::string> commit_object_locked(const ObjectRow& row);
    Status append_event(const ObjectEvent& event);
    Result<std::vector<std::string>> delete_parts_locked(const std::string& upload_id);
    // REQUIRES: writer_.mu held, inside a transaction.
    Status delete_inline_bytes(Connection& c, const std::string& data_id);

    // One row of a commit_objects call waiting in the group.
    struct PendingCommit {
        const ObjectRow* row = nullptr;
        Result<std::string> result = Status(StatusCode::kInternal, "", "not committed");
        bool done = false;
    };
    // Commits every row queued in group_ and marks them done. REQUIRES: the caller's row is
    // at the front, group_lock holds group_mu_ (released while committing).
    void lead_group(std::unique_lock<std::mutex>& group_lock);
    // Commits `batch` in one transaction. REQUIRES: writer_.mu held.
    void commit_group(const std::vector<PendingCommit*>& batch);

    const SqliteIndexOptions options_;
    // Changes go through writer_; lookups and listings through readers_, so in WAL mode a read
    // sees the last commit without waiting behind another commit's fsync or another read.
    Connection writer_;
    SqliteReaderPool readers_;
    // Reads writer_'s mapping of the WAL-index, so declared after the connections (destroyed
    // before they close). Null when there is none: every get_object then reads the index.
    std::unique_ptr<SqliteWalStamp> stamp_;
    std::unique_ptr<ObjectRowCache> rows_;

    std::mutex group_mu_;
    std::condition_variable group_cv_;
    std::deque<PendingCommit*> group_;  // GUARDED_BY(group_mu_); the front one commits
};

// Row (de)serialisation shared by the index files.
// A checksum as its column holds it: "<algorithm> <type> <value>" ("" for none).
std::string checksum_to_text(const std::optional<ObjectChecksum>& checksum);
std::optional<ObjectChecksum> checksum_from_text(const std::string& text);

}  // namespace imgpipe::store
