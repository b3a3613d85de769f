#pragma once
// FaultInjectingStore: an ObjectStore that forwards every call to another one but fails chosen
// puts with IoError (kUnavailable), the way a full or failing disk or an unreachable remote
// store would, storing nothing for them. For tests of what sits above the port (the pipeline's
// retries), whichever way the store below keeps its bytes. Thread-safe.

#include <atomic>

#include "store/object_store.h"

namespace imgpipe::store {

class FaultInjectingStore final : public ObjectStore {
  public:
    explicit FaultInjectingStore(ObjectStore& base) : base_(base) {}

    // The next `n` objects put (by put_object or as items of put_objects) fail.
    void fail_next_puts(int n) { fail_next_ += n; }
    // Every put fails until set back to false.
    void fail_all_puts(bool on) { fail_all_ = on; }
    int injected_failures() const { return injected_; }

    Result<ObjectInfo> put_object(const PutRequest& request, ByteSource& body) override {
        if (take_fault()) return fault();
        return base_.put_object(request, body);
    }
    std::vector<Result<ObjectInfo>> put_objects(std::span<const PutRequest> requests,
                                                std::span<ByteSource* const> bodies) override {
        std::vector<bool> failing(requests.size());
        std::vector<PutRequest> passed;
        std::vector<ByteSource*> passed_bodies;
        for (size_t i = 0; i < requests.size(); ++i) {
            failing[i] = take_fault();
            if (failing[i]) continue;
            passed.push_back(requests[i]);
            passed_bodies.push_back(bodies[i]);
        }
        auto stored = base_.put_objects(passed, passed_bodies);
        std::vector<Result<ObjectInfo>> results;
        results.reserve(failing.size());
        auto next = stored.begin();
        for (bool f : failing) results.push_back(f ? Result<ObjectInfo>(fault()) : *next++);
        return results;
    }

    Status create_bucket(const std::string& bucket) override { return base_.create_bucket(bucket); }
    Status delete_bucket(const std::string& bucket) override { return base_.delete_bucket(bucket); }
    Result<BucketInfo> head_bucket(const std::string& bucket) override {
        return base_.head_bucket(bucket);
    }
    Result<std::vector<BucketInfo>> list_buckets() override { return base_.list_buckets(); }
    Result<std::string> get_bucket_cors(const std::string& bucket) override {
        return base_.get_bucket_cors(bucket);
    }
    Status put_bucket_cors(const std::string& bucket, const std::string& cors_xml) override {
        return base_.put_bucket_cors(bucket, cors_xml);
    }
    Result<std::optional<CannedAcl>> get_bucket_acl(const std::string& bucket) override {
        return base_.get_bucket_acl(bucket);
    }
    Status put_bucket_acl(const std::string& bucket, CannedAcl acl) override {
        return base_.put_bucket_acl(bucket, acl);
    }
    Result<CannedAcl> get_object_acl(const std::string& bucket, const std::string& key) override {
        return base_.get_object_acl(bucket, key);
    }
    Status put_object_acl(const std::string& bucket, const std::string& key,
                          CannedAcl acl) override {
        return base_.put_object_acl(bucket, key, acl);
    }
    Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override {
        return base_.head_object(bucket, key);
    }
    Result<ObjectReader> get_object(const std::string& bucket, const std::string& key,
                                    std::optional<ByteRange> range) override {
        return base_.get_object(bucket, key, range);
    }
    Status delete_object(const std::string& bucket, const std::string& key) override {
        return base_.delete_object(bucket, key);
    }
    Result<ObjectInfo> copy_object(const std::string& src_bucket, const std::string& src_key,
                                   const PutRequest& dest) override {
        return base_.copy_object(src_bucket, src_key, dest);
    }
    Result<ListResult> list_objects(const ListRequest& request) override {
        return base_.list_objects(request);
    }
    Result<std::string> create_multipart_upload(const PutRequest& request) override {
        return base_.create_multipart_upload(request);
    }
    Result<PartInfo> upload_part(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number, ByteSource& body,
                                 std::optional<std::string> expected_md5,
                                 const ChecksumAtEnd& checksum = {}) override {
        return base_.upload_part(bucket, key, upload_id, part_number, body, std::move(expected_md5),
                                 checksum);
    }
    Result<std::unique_ptr<MultipartCompletion>> start_complete_multipart_upload(
        const std::string& bucket, const std::string& key, const std::string& upload_id,
        const std::vector<CompletedPart>& parts) override {
        return base_.start_complete_multipart_upload(bucket, key, upload_id, parts);
    }
    Result<std::unique_ptr<MultipartCompletion>> start_complete(
        const CompleteMultipartRequest& request) override {
        return base_.start_complete(request);
    }
    Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id) override {
        return base_.abort_multipart_upload(bucket, key, upload_id);
    }
    Result<ListPartsResult> list_parts(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id, int part_number_marker,
                                       int max_parts) override {
        return base_.list_parts(bucket, key, upload_id, part_number_marker, max_parts);
    }
    Result<std::vector<MultipartUploadInfo>> list_multipart_uploads(
        const std::string& bucket, const std::string& prefix) override {
        return base_.list_multipart_uploads(bucket, prefix);
    }

  private:
    bool take_fault() {
        if (fail_all_) return true;
        for (int n = fail_next_; n > 0;) {
            if (fail_next_.compare_exchange_weak(n, n - 1)) return true;
        }
        return false;
    }
    Status fault() {
        ++injected_;
        return Status(StatusCode::kUnavailable, "IoError", "injected store write failure");
    }

    ObjectStore& base_;
    std::atomic<int> fail_next_{0};
    std::atomic<bool> fail_all_{false};
    std::atomic<int> injected_{0};
};

}  // namespace imgpipe::store
