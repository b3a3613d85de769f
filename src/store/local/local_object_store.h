#pragma once
// LocalObjectStore: the embedded ObjectStore — object bytes in files under the data dir (see
// DataLayout), everything else in a SQLite index (SqliteIndex) that is also the transactional
// outbox of object events.
//
// A put streams the body to <data>/tmp (MD5 and size limits checked on the fly), fsyncs it,
// renames it into objects/, fsyncs the directory, then commits the index row and its event in
// one SQLite transaction; only then is the replaced data file unlinked. A body of at most
// kInlineLimit bytes (a thumbnail) skips the file: its bytes go into the index in the row's
// transaction, so the put costs one fsync instead of three — SQLite reads and writes blobs
// this small faster than separate files (https://www.sqlite.org/intern-v-extern-blob.html).
// put_objects commits all its rows in one transaction. So a reader sees the old
// object or the new one, never a mix (a reader that already opened the old file keeps reading
// it), and a failure at any step leaves the old object (or none) visible and no stray file. A
// crash can leave only unreferenced files, which `open` sweeps when no other process has the
// store open (StoreLock). Multipart parts are files under
// parts/; completing an upload concatenates them, one part file open at a time, into a new object
// file, in slices the caller drives (LocalMultipartCompletion).
//
// Thread-safe: all methods may be called concurrently (the index serialises its transactions;
// file writes of different puts proceed in parallel).

#include <atomic>
#include <bitset>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/change_signal.h"
#include "core/clock.h"
#include "core/file_system.h"
#include "store/event_outbox.h"
#include "store/local/body_writer.h"
#include "store/local/data_layout.h"
#include "store/local/inline_bytes_cache.h"
#include "store/local/sqlite_index.h"
#include "store/local/store_lock.h"
#include "store/object_event.h"
#include "store/object_store.h"

namespace imgpipe::store {

struct LocalStoreOptions {
    // Smallest size of every part of a multipart upload but the last (S3: 5 MiB). Tests lower it
    // to join thousands of parts cheaply.
    uint64_t min_part_size = 5ull << 20;
    // Read-only index connections: this many lookups and listings run at once.
    int reader_connections = 4;
    // Bytes of inline objects kept in memory for reads (InlineBytesCache); 0: none.
    size_t inline_cache_bytes = 32 << 20;
    // Called with each index row a listing steps onto (tests count and pause listings with it).
    std::function<void(const std::string& key)> on_listing_row;
    // New uploads (put, copy, part, complete) are refused with DiskFull while the data dir's
    // file system has less free space than this, so that a flood of uploads cannot fill the
    // disk the index and the running jobs need. 0 turns the check off.
    uint64_t min_free_bytes = 0;
    // Multipart uploads neither completed nor aborted this long after they began are aborted
    // (their parts removed): at open, and on creating an upload (at most once a minute).
    std::chrono::milliseconds abandoned_upload_age = std::chrono::hours(24);
    // How long a completed upload is remembered so that a retry of its completion (the SDK
    // timed out waiting and sends it again) answers the same object rather than NoSuchUpload.
    std::chrono::milliseconds completed_upload_retention = std::chrono::hours(6);
};

class LocalObjectStore final : public ObjectStore, public EventOutbox {
  public:
    // Objects up to this size live in the index. SQLite's measurements put the break-even
    // between in-database and file blobs near 100 KB (4 KiB pages); 64 KiB keeps every
    // default variant of a photo inline and the WAL small.
    static constexpr uint64_t kInlineLimit = 64 * 1024;

    // Opens (creating if needed) the store in `data_dir`, then sweeps what a crash can leave:
    // temp files, data files no index row names, parts of unknown uploads. `fs` and `clock` must
    // outlive the store. IoError/DiskFull when the directory or the index cannot be set up.
    static Result<std::unique_ptr<LocalObjectStore>> open(const std::string& data_dir,
                                                          FileSystem& fs, Clock& clock,
                                                          LocalStoreOptions options = {});

    Status create_bucket(const std::string& bucket) override;
    Status delete_bucket(const std::string& bucket) override;
    Result<BucketInfo> head_bucket(const std::string& bucket) override;
    Result<std::vector<BucketInfo>> list_buckets() override;
    Result<std::string> get_bucket_cors(const std::string& bucket) override;
    Status put_bucket_cors(const std::string& bucket, const std::string& cors_xml) override;
    Result<std::optional<CannedAcl>> get_bucket_acl(const std::string& bucket) override;
    Status put_bucket_acl(const std::string& bucket, CannedAcl acl) override;
    Result<CannedAcl> get_object_acl(const std::string& bucket, const std::string& key) override;
    Status put_object_acl(const std::string& bucket, const std::string& key,
                          CannedAcl acl) override;

    Result<ObjectInfo> put_object(const PutRequest& request, ByteSource& body) override;
    std::vector<Result<ObjectInfo>> put_objects(std::span<const PutRequest> requests,
                                                std::span<ByteSource* const> bodies) override;
    Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override;
    Result<ObjectReader> get_object(const std::string& bucket, const std::string& key,
                                    std::optional<ByteRange> range) override;
    Status delete_object(const std::string& bucket, const std::string& key) override;
    Result<ObjectInfo> copy_object(const std::string& src_bucket, const std::string& src_key,
                                   const PutRequest& dest) override;
    Result<ListResult> list_objects(const ListRequest& request) override;

    Result<std::string> create_multipart_upload(const PutRequest& request) override;
    Result<PartInfo> upload_part(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number, ByteSource& body,
                                 std::optional<std::string> expected_md5,
                                 const ChecksumAtEnd& checksum = {}) override;
    // Joins the parts one at a time (one part file open at once, whatever the part count).
    Result<std::unique_ptr<MultipartCompletion>> start_complete_multipart_upload(
        const std::string& bucket, const std::string& key, const std::string& upload_id,
        const std::vector<CompletedPart>& parts) override;
    // Conditions are checked before joining and again in the commit's transaction.
    Result<std::unique_ptr<MultipartCompletion>> start_complete(
        const CompleteMultipartRequest& request) override;
    Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id) override;
    Result<ListPartsResult> list_parts(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id, int part_number_marker,
                                       int max_parts) override;
    Result<std::vector<MultipartUploadInfo>> list_multipart_uploads(
        const std::string& bucket, const std::string& prefix) override;

    Result<std::vector<ObjectEvent>> read_events(int64_t after_seq, int limit) override;
    Status delete_events_through(int64_t seq) override;
    uint64_t event_generation() const override { return events_committed_.generation(); }
    uint64_t wait_for_events(uint64_t seen, std::chrono::milliseconds timeout) override {
        return events_committed_.wait(seen, timeout);
    }

    const DataLayout& layout() const { return layout_; }

  private:
    friend class LocalMultipartCompletion;

    LocalObjectStore(DataLayout layout, FileSystem& fs, Clock& clock,
                     std::unique_ptr<SqliteIndex> index, LocalStoreOptions options)
        : layout_(std::move(layout)),
          fs_(fs),
          clock_(clock),
          index_(std::move(index)),
          options_(std::move(options)),
          inline_cache_(options_.inline_cache_bytes) {}

    Status sweep();
    // DiskFull when the free space is under options_.min_free_bytes.
    Status check_free_space();
    // The recorded result of `request`'s upload when it was completed with the same parts
    // within options_.completed_upload_retention; NoSuchUpload otherwise.
    Result<std::unique_ptr<MultipartCompletion>> replay_completion(
        const CompleteMultipartRequest& request, const std::string& parts);
    // Aborts uploads older than options_.abandoned_upload_age; returns how many.
    Result<int> abort_abandoned_uploads();
    // Makes sure the fan-out directory for `id` exists and its entry is durable before a data
    // file is renamed into it (once per directory per process).
    Status ensure_object_dir(const std::string& id);
    // publish_file into objects/, creating the fan-out directory first if needed.
    Status publish_object(const std::string& temp, const std::string& id);
    // Streams `body` into a new object file (published, not yet indexed) or, when it fits
    // kInlineLimit, into the row itself; the row is ready for the index's commit.
    Result<ObjectRow> write_object(const PutRequest& request, ByteSource& body, BodyLimits limits);
    // Commits written rows in one index transaction; removes the files of those that fail.
    std::vector<Result<ObjectInfo>> commit_objects(std::vector<ObjectRow> rows);
    // write_object, then commit_objects of that one row.
    Result<ObjectInfo> store_object(const PutRequest& request, ByteSource& body,
                                    const BodyLimits& limits);
    // The current row for bucket/key with its bytes: an inline row's own (from inline_cache_
    // when there), else the data file,
    // opened (retrying when a concurrent put replaced and unlinked it between the index lookup
    // and the open). `range` as get_object's.
    Result<ObjectReader> open_current(const std::string& bucket, const std::string& key,
                                      std::optional<ByteRange> range);
    // Unlinks data files no longer referenced; failures only leave garbage for the next sweep.
    void remove_object_file(const std::string& data_id);
    void remove_part_files(const std::vector<std::string>& data_ids);

    DataLayout layout_;
    FileSystem& fs_;
    std::unique_ptr<StoreLock> lock_;  // shared while the store is open (see StoreLock)
    Clock& clock_;
    std::unique_ptr<SqliteIndex> index_;
    const LocalStoreOptions options_;
    InlineBytesCache inline_cache_;
    std::mutex dirs_mu_;
    std::bitset<256> durable_dirs_;                 // GUARDED_BY(dirs_mu_)
    std::atomic<int64_t> last_upload_sweep_ns_{0};  // steady clock
    ChangeSignal events_committed_;  // notified after each commit that appended an event
};

}  // namespace imgpipe::store
