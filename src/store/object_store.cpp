#include "store/object_store.h"

namespace imgpipe::store {

Result<std::unique_ptr<MultipartCompletion>> ObjectStore::start_complete(
    const CompleteMultipartRequest& request) {
    if (request.condition.if_none_match || request.condition.if_match) {
        return Status(StatusCode::kUnimplemented, "NotImplemented",
                      "this store cannot complete a multipart upload conditionally");
    }
    return start_complete_multipart_upload(request.bucket, request.key, request.upload_id,
                                           request.parts);
}

Result<ObjectInfo> ObjectStore::complete_multipart_upload(const std::string& bucket,
                                                          const std::string& key,
                                                          const std::string& upload_id,
                                                          const std::vector<CompletedPart>& parts) {
    IMGPIPE_ASSIGN_OR_RETURN(auto completion,
                             start_complete_multipart_upload(bucket, key, upload_id, parts));
    for (;;) {
        if (auto done = completion->run_for(std::chrono::hours(1))) return std::move(*done);
    }
}

}  // namespace imgpipe::store
