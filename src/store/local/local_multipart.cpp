// LocalObjectStore's multipart upload: each part is a file under parts/ named by a fresh id and
// indexed in multipart_parts. Completing checks the request here, then hands the joining to a
// LocalMultipartCompletion, which streams the chosen parts, in order, into one new object file
// (never through memory) and commits the object row, its event and the removal of the upload
// in one transaction. Part files are unlinked only after that commit.

#include <map>

#include "core/log.h"
#include "store/local/body_writer.h"
#include "store/local/local_multipart_completion.h"
#include "store/local/local_object_store.h"
#include "store/names.h"

namespace imgpipe::store {
namespace {

constexpr uint64_t kMaxPartSize = 5ull << 30;
constexpr int kMaxPartNumber = 10000;
constexpr int kMaxListParts = 1000;
// How often creating an upload looks for abandoned ones (steady-clock nanoseconds).
constexpr std::chrono::nanoseconds kUploadSweepInterval = std::chrono::minutes(1);

// ETags arrive quoted or not, in either case.
std::string normalize_etag(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
        etag = etag.substr(1, etag.size() - 2);
    }
    for (char& c : etag) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return etag;
}

Status invalid_part(int number, std::string_view why) {
    return invalid_argument("InvalidPart",
                            "part " + std::to_string(number) + ": " + std::string(why));
}

// The part list of a CompleteMultipartUpload as recorded with the completed upload:
// "1:<etag>,2:<etag>", ETags normalised, so that a retry matches however it quotes them.
std::string part_list(const std::vector<CompletedPart>& parts) {
    std::string out;
    for (const CompletedPart& part : parts) {
        if (!out.empty()) out += ",";
        out += std::to_string(part.part_number) + ":" + normalize_etag(part.etag);
    }
    return out;
}

// The answer to a retried completion: the object it made, at once.
class ReplayedCompletion final : public MultipartCompletion {
  public:
    explicit ReplayedCompletion(ObjectInfo info) : info_(std::move(info)) {}
    std::optional<Result<ObjectInfo>> run_for(std::chrono::milliseconds) override {
        return Result<ObjectInfo>(info_);
    }

  private:
    ObjectInfo info_;
};

}  // namespace

Result<std::string> LocalObjectStore::create_multipart_upload(const PutRequest& request) {
    IMGPIPE_RETURN_IF_ERROR(validate_key(request.key));
    // Uploads left unfinished hold their parts' disk space; new ones are when clients return.
    const int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.steady_now().time_since_epoch())
            .count();
    int64_t last = last_upload_sweep_ns_.load();
    if (now - last >= kUploadSweepInterval.count() &&
        last_upload_sweep_ns_.compare_exchange_strong(last, now)) {
        IMGPIPE_RETURN_IF_ERROR(abort_abandoned_uploads().status());
    }
    UploadRow row;
    row.info = {request.bucket, request.key, DataLayout::new_id(), clock_.now()};
    row.attributes = request.attributes;
    row.checksum = request.upload_checksum;
    IMGPIPE_RETURN_IF_ERROR(index_->create_upload(row));
    return row.info.upload_id;
}

Result<PartInfo> LocalObjectStore::upload_part(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id, int part_number,
                                               ByteSource& body,
                                               std::optional<std::string> expected_md5,
                                               const ChecksumAtEnd& checksum) {
    if (part_number < 1 || part_number > kMaxPartNumber) {
        return invalid_argument("InvalidArgument", "part number must be 1..10000");
    }
    if (expected_md5 && expected_md5->size() != 16) {
        return invalid_argument("InvalidDigest", "Content-MD5 must be 16 bytes");
    }
    IMGPIPE_RETURN_IF_ERROR(index_->get_upload(bucket, key, upload_id).status());
    IMGPIPE_RETURN_IF_ERROR(check_free_space());

    std::string id = DataLayout::new_id();
    std::string temp = layout_.temp_path(id);
    BodyLimits limits;
    limits.max_size = kMaxPartSize;
    limits.expected_md5 = std::move(expected_md5);
    IMGPIPE_ASSIGN_OR_RETURN(WrittenBody written, write_body(fs_, temp, body, limits));
    std::string path = layout_.part_path(id);
    IMGPIPE_RETURN_IF_ERROR(publish_file(fs_, temp, path, layout_.parts_dir()));

    PartRow row;
    row.upload_id = upload_id;
    row.info = {part_number, written.size, to_hex(written.md5), clock_.now()};
    if (checksum) row.info.checksum = checksum();
    row.data_id = id;
    auto replaced = index_->commit_part(row);
    if (!replaced.is_ok()) {
        (void)fs_.remove(path);
        return replaced.status();
    }
    if (!replaced->empty()) remove_part_files({*replaced});
    return row.info;
}

Result<std::unique_ptr<MultipartCompletion>> LocalObjectStore::start_complete_multipart_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts) {
    return start_complete({bucket, key, upload_id, parts, {}});
}

Result<std::unique_ptr<MultipartCompletion>> LocalObjectStore::replay_completion(
    const CompleteMultipartRequest& request, const std::string& parts) {
    IMGPIPE_ASSIGN_OR_RETURN(
        auto record, index_->completed_upload(request.bucket, request.key, request.upload_id));
    const TimePoint cutoff = clock_.now() - options_.completed_upload_retention;
    if (!record || record->parts != parts || record->info.last_modified < cutoff) {
        return not_found("NoSuchUpload", "no multipart upload " + request.upload_id);
    }
    // The record keeps no checksum; the object it made does, while it is still the current one.
    auto current = index_->get_object(request.bucket, request.key);
    if (current.is_ok() && current->info.etag == record->info.etag) {
        record->info.checksum = current->info.checksum;
    }
    return std::unique_ptr<MultipartCompletion>(
        std::make_unique<ReplayedCompletion>(std::move(record->info)));
}

Result<std::unique_ptr<MultipartCompletion>> LocalObjectStore::start_complete(
    const CompleteMultipartRequest& request) {
    const std::string& bucket = request.bucket;
    const std::string& key = request.key;
    const std::string& upload_id = request.upload_id;
    const std::vector<CompletedPart>& parts = request.parts;
    auto found = index_->get_upload(bucket, key, upload_id);
    if (!found.is_ok()) {
        if (found.status().reason() != "NoSuchUpload") return found.status();
        return replay_completion(request, part_list(parts));
    }
    UploadRow upload = std::move(found).value();
    IMGPIPE_RETURN_IF_ERROR(check_free_space());
    if (parts.empty()) {
        return invalid_argument("MalformedXML", "CompleteMultipartUpload lists no parts");
    }
    for (size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].part_number <= parts[i - 1].part_number) {
            return invalid_argument("InvalidPartOrder", "parts must be listed in ascending order");
        }
    }
    IMGPIPE_ASSIGN_OR_RETURN(auto stored, index_->list_parts(upload_id, 0, kMaxPartNumber + 1));
    std::map<int, PartRow> by_number;
    for (auto& part : stored) by_number.emplace(part.info.part_number, std::move(part));

    std::vector<PartRow> chosen;
    chosen.reserve(parts.size());
    Md5 md5_of_md5s;
    std::vector<uint64_t> part_sizes;
    for (size_t i = 0; i < parts.size(); ++i) {
        auto it = by_number.find(parts[i].part_number);
        if (it == by_number.end()) return invalid_part(parts[i].part_number, "not uploaded");
        const PartRow& part = it->second;
        if (normalize_etag(parts[i].etag) != part.info.etag) {
            return invalid_part(part.info.part_number, "ETag does not match");
        }
        if (i + 1 < parts.size() && part.info.size < options_.min_part_size) {
            return invalid_argument("EntityTooSmall",
                                    "part " + std::to_string(part.info.part_number) +
                                        " is smaller than 5 MiB and not the last part");
        }
        auto digest = from_hex(part.info.etag);
        if (!digest) return internal_error("stored part ETag is not hex");
        md5_of_md5s.update(*digest);
        part_sizes.push_back(part.info.size);
        chosen.push_back(part);
    }

    if (request.condition.if_none_match || request.condition.if_match) {
        // Checked now so that a doomed completion joins nothing; the commit checks it again.
        auto current = index_->get_object(bucket, key);
        if (!current.is_ok() && current.status().reason() != "NoSuchKey") return current.status();
        IMGPIPE_RETURN_IF_ERROR(check_condition(
            request.condition, current.is_ok() ? std::optional(current->info.etag) : std::nullopt));
    }

    ObjectRow object;
    object.info = {bucket,
                   key,
                   0,
                   to_hex(md5_of_md5s.finish()) + "-" + std::to_string(parts.size()),
                   clock_.now(),
                   upload.attributes};
    object.info.part_sizes = std::move(part_sizes);
    object.info.checksum = request.checksum;
    object.data_id = DataLayout::new_id();
    object.created_by = CreatedBy::kCompleteMultipartUpload;
    object.condition = request.condition;
    return std::unique_ptr<MultipartCompletion>(std::make_unique<LocalMultipartCompletion>(
        *this, upload_id, std::move(chosen), std::move(object), part_list(parts)));
}

Result<int> LocalObjectStore::abort_abandoned_uploads() {
    const TimePoint cutoff = clock_.now() - options_.abandoned_upload_age;
    IMGPIPE_ASSIGN_OR_RETURN(auto stale, index_->uploads_initiated_before(cutoff));
    int aborted = 0;
    for (const MultipartUploadInfo& upload : stale) {
        auto data_ids = index_->delete_upload(upload.bucket, upload.key, upload.upload_id);
        if (!data_ids.is_ok()) {
            if (data_ids.status().reason() == "NoSuchUpload") continue;  // finished meanwhile
            return data_ids.status();
        }
        remove_part_files(*data_ids);
        ++aborted;
    }
    if (aborted > 0) {
        log::info("aborted abandoned multipart uploads",
                  {{"data_dir", layout_.root()}, {"aborted", aborted}});
    }
    return aborted;
}

Status LocalObjectStore::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id) {
    IMGPIPE_ASSIGN_OR_RETURN(auto data_ids, index_->delete_upload(bucket, key, upload_id));
    remove_part_files(data_ids);
    return Status::ok();
}

Result<ListPartsResult> LocalObjectStore::list_parts(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& upload_id,
                                                     int part_number_marker, int max_parts) {
    if (max_parts < 0 || part_number_marker < 0) {
        return invalid_argument("InvalidArgument", "max-parts and part-number-marker must be >= 0");
    }
    IMGPIPE_ASSIGN_OR_RETURN(UploadRow upload, index_->get_upload(bucket, key, upload_id));
    const int limit = std::min(max_parts, kMaxListParts);
    IMGPIPE_ASSIGN_OR_RETURN(auto rows,
                             index_->list_parts(upload_id, part_number_marker, limit + 1));
    ListPartsResult out;
    out.upload_checksum = std::move(upload.checksum);
    if (static_cast<int>(rows.size()) > limit) {
        out.is_truncated = true;
        rows.resize(limit);
    }
    for (auto& row : rows) out.parts.push_back(std::move(row.info));
    out.next_part_number_marker =
        out.parts.empty() ? part_number_marker : out.parts.back().part_number;
    return out;
}

Result<std::vector<MultipartUploadInfo>> LocalObjectStore::list_multipart_uploads(
    const std::string& bucket, const std::string& prefix) {
    return index_->list_uploads(bucket, prefix);
}

}  // namespace imgpipe::store
