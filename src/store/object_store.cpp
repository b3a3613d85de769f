#include "store/object_store.h"

namespace imgpipe::store {

namespace {

Status acl_not_implemented() {
    return Status(StatusCode::kUnimplemented, "NotImplemented", "this store cannot keep ACLs");
}

}  // namespace

Result<std::optional<CannedAcl>> ObjectStore::get_bucket_acl(const std::string& /*bucket*/) {
    return acl_not_implemented();
}

Status ObjectStore::put_bucket_acl(const std::string& /*bucket*/, CannedAcl /*acl*/) {
    return acl_not_implemented();
}

Result<CannedAcl> ObjectStore::get_object_acl(const std::string& /*bucket*/,
                                              const std::string& /*key*/) {
    return acl_not_implemented();
}

Status ObjectStore::put_object_acl(const std::string& /*bucket*/, const std::string& /*key*/,
                                   CannedAcl /*acl*/) {
    return acl_not_implemented();
}

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
