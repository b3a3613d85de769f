#pragma once
// LocalMultipartCompletion: LocalObjectStore's CompleteMultipartUpload after the checks — the
// chosen parts copied, in order, into one temp file, then published and committed (object row,
// its event and the removal of the upload in one index transaction), like any put.
//
// Each step does a bounded piece of work: open the next part file, or copy one 1 MiB buffer, or
// fsync (every 64 MiB, so the final fsync of a huge object cannot stall the last step for long),
// or the final publish and commit. Only one part file is open at a time, so 10,000 parts cost
// two descriptors, not 10,001. Until the commit nothing is visible; abandoning it (destruction
// before the end, or any failure) removes the temp file and leaves the upload as it was.
// A part replaced or an upload aborted meanwhile is found when its file is opened (its old file
// is gone) or at the commit (the upload row is gone). Used by one thread at a time.

#include <memory>
#include <string>
#include <vector>

#include "store/local/local_object_store.h"

namespace imgpipe::store {

class LocalMultipartCompletion final : public MultipartCompletion {
  public:
    // `parts`: the rows to join, in order; `object`: the row to commit, all but its size
    // filled in (its condition, checked once already, is checked again by the commit);
    // `request_parts`: the request's part list, recorded to recognise a retry.
    LocalMultipartCompletion(LocalObjectStore& store, std::string upload_id,
                             std::vector<PartRow> parts, ObjectRow object,
                             std::string request_parts);
    ~LocalMultipartCompletion() override;
    LocalMultipartCompletion(const LocalMultipartCompletion&) = delete;
    LocalMultipartCompletion& operator=(const LocalMultipartCompletion&) = delete;

    std::optional<Result<ObjectInfo>> run_for(std::chrono::milliseconds budget) override;

  private:
    // One bounded piece of work; nullopt while more remains.
    std::optional<Result<ObjectInfo>> step();
    Status open_next_part();
    Status copy_buffer();
    Result<ObjectInfo> publish_and_commit();
    // Closes and removes the temp file, if any.
    void discard_temp();

    LocalObjectStore& store_;
    const std::string upload_id_;
    const std::vector<PartRow> parts_;
    ObjectRow object_;
    const std::string temp_;
    const std::string request_parts_;

    std::unique_ptr<WritableFile> out_;
    std::unique_ptr<ReadableFile> part_;  // parts_[next_part_], while it is being copied
    size_t next_part_ = 0;
    uint64_t offset_ = 0;  // in part_
    uint64_t unsynced_ = 0;
    std::unique_ptr<char[]> buffer_;
    bool finished_ = false;
};

}  // namespace imgpipe::store
