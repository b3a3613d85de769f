#include "store/local/local_object_store.h"

#include "core/log.h"
#include "store/local/body_writer.h"
#include "store/names.h"

namespace imgpipe::store {
namespace {

// A concurrent put can unlink the file an index row named just before we open it; a fresh
// lookup then names the new file. More than a few misses in a row means real damage.
constexpr int kOpenAttempts = 8;

// The limits a PutRequest sets on its body. InvalidDigest for a malformed expected MD5.
Result<BodyLimits> put_limits(const PutRequest& request) {
    BodyLimits limits;
    limits.min_size = request.min_size;
    limits.max_size = request.max_size;
    if (request.expected_md5) {
        if (request.expected_md5->size() != 16) {
            return invalid_argument("InvalidDigest", "Content-MD5 must be 16 bytes");
        }
        limits.expected_md5 = request.expected_md5;
    }
    return limits;
}

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::open(const std::string& data_dir,
                                                                 FileSystem& fs, Clock& clock,
                                                                 LocalStoreOptions options) {
    DataLayout layout(data_dir);
    IMGPIPE_RETURN_IF_ERROR(fs.create_dirs(data_dir));
    IMGPIPE_RETURN_IF_ERROR(layout.create_dirs(fs));
    SqliteIndexOptions index_options;
    index_options.reader_connections = options.reader_connections;
    index_options.on_cursor_row = options.on_listing_row;
    IMGPIPE_ASSIGN_OR_RETURN(auto index,
                             SqliteIndex::open(layout.index_path(), std::move(index_options)));
    IMGPIPE_ASSIGN_OR_RETURN(auto lock, StoreLock::acquire(layout.root() + "/store.lock"));
    std::unique_ptr<LocalObjectStore> store(
        new LocalObjectStore(std::move(layout), fs, clock, std::move(index), std::move(options)));
    // Only a process alone with the data dir may take unreferenced files for a crash's leftovers.
    if (lock->alone()) {
        IMGPIPE_RETURN_IF_ERROR(store->sweep());
    } else {
        log::info("object store open in another process too; its sweep is left for later",
                  {{"data_dir", store->layout_.root()}});
    }
    IMGPIPE_RETURN_IF_ERROR(lock->share());
    store->lock_ = std::move(lock);
    IMGPIPE_RETURN_IF_ERROR(store->abort_abandoned_uploads().status());
    return store;
}

Status LocalObjectStore::sweep() {
    int removed = 0;
    // Temp files belong to puts that never finished; nothing references them.
    IMGPIPE_ASSIGN_OR_RETURN(auto temps, fs_.list_dir(layout_.tmp_dir()));
    for (const auto& name : temps) {
        IMGPIPE_RETURN_IF_ERROR(fs_.remove(layout_.tmp_dir() + "/" + name));
        ++removed;
    }
    // Data files renamed into place whose index commit never happened (crash or failure).
    IMGPIPE_ASSIGN_OR_RETURN(auto fanout, fs_.list_dir(layout_.objects_dir()));
    for (const auto& sub : fanout) {
        if (sub.size() != 2) continue;  // not a fan-out directory of ours
        std::string dir = layout_.objects_dir() + "/" + sub;
        IMGPIPE_ASSIGN_OR_RETURN(auto names, fs_.list_dir(dir));
        for (const auto& name : names) {
            IMGPIPE_ASSIGN_OR_RETURN(bool used, index_->object_data_referenced(name));
            if (used) continue;
            IMGPIPE_RETURN_IF_ERROR(fs_.remove(dir + "/" + name));
            ++removed;
        }
    }
    // Parts whose upload was completed or aborted, or never committed.
    IMGPIPE_ASSIGN_OR_RETURN(auto parts, fs_.list_dir(layout_.parts_dir()));
    for (const auto& name : parts) {
        IMGPIPE_ASSIGN_OR_RETURN(bool used, index_->part_data_referenced(name));
        if (used) continue;
        IMGPIPE_RETURN_IF_ERROR(fs_.remove(layout_.part_path(name)));
        ++removed;
    }
    if (removed > 0) {
        log::info("object store swept orphan files",
                  {{"data_dir", layout_.root()}, {"removed", removed}});
    }
    return Status::ok();
}

Status LocalObjectStore::check_free_space() {
    if (options_.min_free_bytes == 0) return Status::ok();
    auto available = fs_.available_bytes(layout_.root());
    // A file system that cannot say is not refused: the writes themselves report a full disk.
    if (!available.is_ok() || *available >= options_.min_free_bytes) return Status::ok();
    return Status(StatusCode::kResourceExhausted, "DiskFull",
                  "free space " + std::to_string(*available) + " bytes is under the minimum of " +
                      std::to_string(options_.min_free_bytes));
}

Status LocalObjectStore::ensure_object_dir(const std::string& id) {
    int index = DataLayout::fanout_index(id);
    std::lock_guard lock(dirs_mu_);
    if (durable_dirs_.test(index)) return Status::ok();
    // Synced even when it already existed: a crash may have left its entry unsynced.
    IMGPIPE_RETURN_IF_ERROR(fs_.create_dirs(layout_.object_dir(id)));
    IMGPIPE_RETURN_IF_ERROR(fs_.sync_dir(layout_.objects_dir()));
    durable_dirs_.set(index);
    return Status::ok();
}

Status LocalObjectStore::publish_object(const std::string& temp, const std::string& id) {
    Status dir = ensure_object_dir(id);
    if (!dir.is_ok()) {
        (void)fs_.remove(temp);
        return dir;
    }
    return publish_file(fs_, temp, layout_.object_path(id), layout_.object_dir(id));
}

void LocalObjectStore::remove_object_file(const std::string& data_id) {
    Status s = fs_.remove(layout_.object_path(data_id));
    if (!s.is_ok()) log::warn("could not remove replaced object file", {{"error", s.to_string()}});
}

void LocalObjectStore::remove_part_files(const std::vector<std::string>& data_ids) {
    for (const auto& id : data_ids) {
        Status s = fs_.remove(layout_.part_path(id));
        if (!s.is_ok()) log::warn("could not remove part file", {{"error", s.to_string()}});
    }
}

Status LocalObjectStore::create_bucket(const std::string& bucket) {
    IMGPIPE_RETURN_IF_ERROR(validate_bucket_name(bucket));
    return index_->create_bucket(bucket, clock_.now());
}

Status LocalObjectStore::delete_bucket(const std::string& bucket) {
    IMGPIPE_ASSIGN_OR_RETURN(auto part_data_ids, index_->delete_bucket(bucket));
    remove_part_files(part_data_ids);
    return Status::ok();
}

Result<BucketInfo> LocalObjectStore::head_bucket(const std::string& bucket) {
    return index_->get_bucket(bucket);
}

Result<std::vector<BucketInfo>> LocalObjectStore::list_buckets() { return index_->list_buckets(); }

Result<std::string> LocalObjectStore::get_bucket_cors(const std::string& bucket) {
    return index_->get_bucket_cors(bucket);
}

Status LocalObjectStore::put_bucket_cors(const std::string& bucket, const std::string& cors_xml) {
    return index_->put_bucket_cors(bucket, cors_xml);
}

Result<std::optional<CannedAcl>> LocalObjectStore::get_bucket_acl(const std::string& bucket) {
    return index_->get_bucket_acl(bucket);
}

Status LocalObjectStore::put_bucket_acl(const std::string& bucket, CannedAcl acl) {
    return index_->put_bucket_acl(bucket, acl);
}

Result<CannedAcl> LocalObjectStore::get_object_acl(const std::string& bucket,
                                                   const std::string& key) {
    IMGPIPE_ASSIGN_OR_RETURN(ObjectRow row, index_->get_object(bucket, key));
    return row.info.attributes.acl;
}

Status LocalObjectStore::put_object_acl(const std::string& bucket, const std::string& key,
                                        CannedAcl acl) {
    return index_->put_object_acl(bucket, key, acl);
}

Result<ObjectRow> LocalObjectStore::write_object(const PutRequest& request, ByteSource& body,
                                                 BodyLimits limits) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(request.key));
    // Fail before reading a possibly huge body into a bucket that does not exist, or under a
    // condition that already fails (the commit checks it again, atomically).
    IMGPIPE_RETURN_IF_ERROR(index_->get_bucket(request.bucket).status());
    if (request.condition.if_none_match || request.condition.if_match) {
        auto current = index_->get_object(request.bucket, request.key);
        if (!current.is_ok() && current.status().reason() != "NoSuchKey") return current.status();
        IMGPIPE_RETURN_IF_ERROR(check_condition(
            request.condition, current.is_ok() ? std::optional(current->info.etag) : std::nullopt));
    }

    ObjectRow row;
    row.data_id = DataLayout::new_id();
    limits.inline_limit = kInlineLimit;
    IMGPIPE_ASSIGN_OR_RETURN(WrittenBody written,
                             write_body(fs_, layout_.temp_path(row.data_id), body, limits));
    if (written.inline_bytes) {
        row.data_inline = true;
        row.inline_bytes = std::move(*written.inline_bytes);
    } else {
        IMGPIPE_RETURN_IF_ERROR(publish_object(layout_.temp_path(row.data_id), row.data_id));
    }
    row.info.bucket = request.bucket;
    row.info.key = request.key;
    row.info.size = written.size;
    row.info.etag = to_hex(written.md5);
    row.info.last_modified = clock_.now();
    row.info.attributes = request.attributes;
    // The body has ended, so a checksum that came last (an aws-chunked trailer) is known.
    if (request.checksum) row.info.checksum = request.checksum();
    row.created_by = request.created_by;
    row.condition = request.condition;
    return row;
}

std::vector<Result<ObjectInfo>> LocalObjectStore::commit_objects(std::vector<ObjectRow> rows) {
    auto replaced = index_->commit_objects(rows);
    std::vector<Result<ObjectInfo>> results;
    bool any = false;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!replaced[i].is_ok()) {
            if (!rows[i].data_inline) remove_object_file(rows[i].data_id);
            results.emplace_back(replaced[i].status());
            continue;
        }
        any = true;
        // Readers that already opened the old file keep reading it; new readers get the new row.
        if (!replaced[i]->empty()) remove_object_file(*replaced[i]);
        results.emplace_back(std::move(rows[i].info));
    }
    if (any) events_committed_.notify();
    return results;
}

Result<ObjectInfo> LocalObjectStore::store_object(const PutRequest& request, ByteSource& body,
                                                  const BodyLimits& limits) {
    IMGPIPE_ASSIGN_OR_RETURN(ObjectRow row, write_object(request, body, limits));
    std::vector<ObjectRow> rows;
    rows.push_back(std::move(row));
    return std::move(commit_objects(std::move(rows)).front());
}

Result<ObjectInfo> LocalObjectStore::put_object(const PutRequest& request, ByteSource& body) {
    IMGPIPE_RETURN_IF_ERROR(check_free_space());
    IMGPIPE_ASSIGN_OR_RETURN(BodyLimits limits, put_limits(request));
    return store_object(request, body, limits);
}

std::vector<Result<ObjectInfo>> LocalObjectStore::put_objects(std::span<const PutRequest> requests,
                                                              std::span<ByteSource* const> bodies) {
    // Bodies that may need a file are written side by side (each waits on its own fsync);
    // those known to go inline are only hashed, on this thread. Then every row that was written
    // is committed in one transaction: one fsync for all.
    auto write = [&](size_t i) -> Result<ObjectRow> {
        IMGPIPE_ASSIGN_OR_RETURN(BodyLimits limits, put_limits(requests[i]));
        return write_object(requests[i], *bodies[i], limits);
    };
    std::vector<std::optional<Result<ObjectRow>>> written(requests.size());
    std::vector<size_t> to_files;
    for (size_t i = 0; i < requests.size(); ++i) {
        auto bytes = bodies[i]->buffered();
        if (bytes && bytes->size() <= kInlineLimit) {
            written[i] = write(i);
        } else {
            to_files.push_back(i);
        }
    }
    auto filed = side_by_side(to_files.size(), [&](size_t j) { return write(to_files[j]); });
    for (size_t j = 0; j < to_files.size(); ++j) written[to_files[j]] = std::move(filed[j]);

    std::vector<ObjectRow> rows;
    for (auto& w : written) {
        if (w->is_ok()) rows.push_back(std::move(*w).value());
    }
    auto committed = commit_objects(std::move(rows));
    std::vector<Result<ObjectInfo>> results;
    results.reserve(written.size());
    auto next = committed.begin();
    for (auto& w : written) {
        results.push_back(w->is_ok() ? std::move(*next++) : Result<ObjectInfo>(w->status()));
    }
    return results;
}

Result<ObjectInfo> LocalObjectStore::head_object(const std::string& bucket,
                                                 const std::string& key) {
    IMGPIPE_ASSIGN_OR_RETURN(ObjectRow row, index_->get_object(bucket, key));
    return std::move(row.info);
}

Result<ObjectReader> LocalObjectStore::open_current(const std::string& bucket,
                                                    const std::string& key,
                                                    std::optional<ByteRange> range) {
    Status last;
    for (int attempt = 0; attempt < kOpenAttempts; ++attempt) {
        IMGPIPE_ASSIGN_OR_RETURN(ObjectRow row, index_->get_object(bucket, key));
        std::shared_ptr<const std::string> inline_bytes;
        if (row.data_inline) {
            inline_bytes = inline_cache_.find(row.data_id);
            if (!inline_bytes) {
                // Row and bytes again in one statement: the same snapshot, whatever was
                // written since the first look.
                IMGPIPE_ASSIGN_OR_RETURN(row, index_->get_object(bucket, key, true));
                if (row.data_inline) {
                    inline_bytes = std::make_shared<const std::string>(std::move(row.inline_bytes));
                    inline_cache_.insert(row.data_id, inline_bytes);
                }
            }
        }
        uint64_t first = 0;
        uint64_t length = row.info.size;
        if (range) {
            if (range->first > range->last || range->last >= row.info.size) {
                return Status(
                    StatusCode::kOutOfRange, "InvalidRange",
                    "range outside the object of " + std::to_string(row.info.size) + " bytes");
            }
            first = range->first;
            length = range->last - range->first + 1;
        }
        ObjectReader reader;
        if (inline_bytes) {
            reader.body = std::make_unique<SharedBytesSource>(
                std::move(inline_bytes), static_cast<size_t>(first), static_cast<size_t>(length));
        } else {
            auto file = fs_.open_file(layout_.object_path(row.data_id));
            if (!file.is_ok()) {
                last = file.status();
                if (last.code() != StatusCode::kNotFound) return last;
                continue;
            }
            reader.body = std::make_unique<FileRangeSource>(std::move(file).value(), first, length);
        }
        reader.info = std::move(row.info);
        return reader;
    }
    return Status(StatusCode::kDataLoss, "DataLoss",
                  "object file missing for " + bucket + ": " + last.message());
}

Result<ObjectReader> LocalObjectStore::get_object(const std::string& bucket, const std::string& key,
                                                  std::optional<ByteRange> range) {
    return open_current(bucket, key, range);
}

Status LocalObjectStore::delete_object(const std::string& bucket, const std::string& key) {
    IMGPIPE_ASSIGN_OR_RETURN(std::string removed, index_->delete_object(bucket, key, clock_.now()));
    if (!removed.empty()) {
        events_committed_.notify();
        remove_object_file(removed);
    }
    return Status::ok();
}

Result<ObjectInfo> LocalObjectStore::copy_object(const std::string& src_bucket,
                                                 const std::string& src_key,
                                                 const PutRequest& dest) {
    IMGPIPE_RETURN_IF_ERROR(check_free_space());
    // Streamed rather than hard-linked: the FileSystem port has no link(), and a private copy
    // keeps "one data file (or inline row) per object" true, which the sweep and the
    // unlink-on-replace rely on.
    IMGPIPE_ASSIGN_OR_RETURN(ObjectReader source, open_current(src_bucket, src_key, std::nullopt));
    PutRequest request = dest;
    request.created_by = CreatedBy::kCopy;
    if (!request.checksum) {
        request.checksum = [kept = source.info.checksum] { return kept; };
    }
    BodyLimits limits;
    limits.min_size = dest.min_size;
    limits.max_size = dest.max_size;
    return store_object(request, *source.body, limits);
}

Result<std::vector<ObjectEvent>> LocalObjectStore::read_events(int64_t after_seq, int limit) {
    if (limit <= 0) return std::vector<ObjectEvent>{};
    return index_->read_events(after_seq, limit);
}

Status LocalObjectStore::delete_events_through(int64_t seq) {
    return index_->delete_events_through(seq);
}

}  // namespace imgpipe::store
