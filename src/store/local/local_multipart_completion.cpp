#include "store/local/local_multipart_completion.h"

#include <algorithm>

namespace imgpipe::store {
namespace {

// Bounds the dirty data the final fsync has to write, so the last step stays short too.
constexpr uint64_t kSyncEvery = 64ull << 20;

}  // namespace

LocalMultipartCompletion::LocalMultipartCompletion(LocalObjectStore& store, std::string upload_id,
                                                   std::vector<PartRow> parts, ObjectRow object,
                                                   std::string request_parts)
    : store_(store),
      upload_id_(std::move(upload_id)),
      parts_(std::move(parts)),
      object_(std::move(object)),
      temp_(store.layout_.temp_path(object_.data_id)),
      request_parts_(std::move(request_parts)) {}

LocalMultipartCompletion::~LocalMultipartCompletion() {
    if (!finished_) discard_temp();
}

void LocalMultipartCompletion::discard_temp() {
    part_.reset();
    if (out_) {
        (void)out_->close();
        out_.reset();
        (void)store_.fs_.remove(temp_);
    }
}

std::optional<Result<ObjectInfo>> LocalMultipartCompletion::run_for(
    std::chrono::milliseconds budget) {
    const auto deadline = store_.clock_.steady_now() + budget;
    for (;;) {
        if (auto done = step()) {
            if (!done->is_ok()) discard_temp();
            finished_ = true;
            return done;
        }
        if (store_.clock_.steady_now() >= deadline) return std::nullopt;
    }
}

std::optional<Result<ObjectInfo>> LocalMultipartCompletion::step() {
    Status status;
    if (!out_) {
        auto file = store_.fs_.create_file(temp_);
        if (!file.is_ok()) return Result<ObjectInfo>(file.status());
        out_ = std::move(file).value();
        buffer_.reset(new char[kIoBufferSize]);
    } else if (part_) {
        status = copy_buffer();
    } else if (next_part_ < parts_.size()) {
        status = open_next_part();
    } else if (unsynced_ > 0) {
        status = out_->sync();
        unsynced_ = 0;
    } else {
        return publish_and_commit();
    }
    if (!status.is_ok()) return Result<ObjectInfo>(std::move(status));
    return std::nullopt;
}

Status LocalMultipartCompletion::open_next_part() {
    const PartRow& part = parts_[next_part_];
    auto file = store_.fs_.open_file(store_.layout_.part_path(part.data_id));
    if (!file.is_ok()) {
        if (file.status().code() != StatusCode::kNotFound) return file.status();
        // Its file is gone: the upload was aborted (or completed) meanwhile, or the part was
        // replaced by a new upload_part after the ETag check.
        const ObjectInfo& o = object_.info;
        IMGPIPE_RETURN_IF_ERROR(store_.index_->get_upload(o.bucket, o.key, upload_id_).status());
        return invalid_argument("InvalidPart", "part " + std::to_string(part.info.part_number) +
                                                   ": replaced while completing");
    }
    part_ = std::move(file).value();
    offset_ = 0;
    if (part.info.size == 0) {
        part_.reset();
        ++next_part_;
    }
    return Status::ok();
}

Status LocalMultipartCompletion::copy_buffer() {
    const uint64_t size = parts_[next_part_].info.size;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kIoBufferSize, size - offset_));
    IMGPIPE_ASSIGN_OR_RETURN(size_t n, part_->read_at(offset_, {buffer_.get(), want}));
    if (n == 0) return Status(StatusCode::kDataLoss, "DataLoss", "stored part file is truncated");
    IMGPIPE_RETURN_IF_ERROR(out_->append({buffer_.get(), n}));
    offset_ += n;
    object_.info.size += n;
    unsynced_ += n;
    if (offset_ == size) {
        part_.reset();
        ++next_part_;
    }
    if (unsynced_ >= kSyncEvery) {
        IMGPIPE_RETURN_IF_ERROR(out_->sync());
        unsynced_ = 0;
    }
    return Status::ok();
}

Result<ObjectInfo> LocalMultipartCompletion::publish_and_commit() {
    buffer_.reset();
    Status closed = out_->close();
    out_.reset();
    if (!closed.is_ok()) {
        (void)store_.fs_.remove(temp_);
        return closed;
    }
    const std::string& id = object_.data_id;
    IMGPIPE_RETURN_IF_ERROR(store_.publish_object(temp_, id));  // removes temp_ on failure
    object_.info.last_modified = store_.clock_.now();
    auto done = store_.index_->complete_upload(
        upload_id_, object_, request_parts_,
        object_.info.last_modified - store_.options_.completed_upload_retention);
    if (!done.is_ok()) {
        (void)store_.fs_.remove(store_.layout_.object_path(id));
        const std::string reason = done.status().reason();
        if (reason == "PreconditionFailed" || reason == "NoSuchKey") {
            // The condition held when the completion started: another write to the key landed
            // while the parts were joined. S3 answers that with 409 so the client retries.
            return Status(StatusCode::kAborted, "ConditionalRequestConflict",
                          "a concurrent write to the key changed the outcome of the condition");
        }
        return done.status();
    }
    store_.events_committed_.notify();
    if (!done->replaced_data_id.empty()) store_.remove_object_file(done->replaced_data_id);
    store_.remove_part_files(done->part_data_ids);
    return object_.info;
}

}  // namespace imgpipe::store
