#pragma once
// S3ObjectStore: the ObjectStore port over any S3-compatible service (AWS S3, Ceph RGW, MinIO,
// R2, an imgpipe `s3` process), for running API and worker nodes on several machines against one
// shared store (DESIGN.md §7). It is a client: every call is one or a few S3 REST requests
// through S3Http (libcurl, imgpipe's SigV4 signer, retries with backoff on connection errors,
// 5xx and SlowDown), and error reasons are the service's S3 error codes, so the port's contract
// holds as it does for LocalObjectStore (both pass object_store_contract.h; the remote run is
// against a real single-node Ceph RGW).
//
// Bodies stream both ways without a whole object in memory: get_object pulls from the socket as
// the caller reads; put_object holds at most one part (S3ClientOptions::part_size) at a time and
// turns bodies larger than that into a multipart upload, parts sent as they fill, completed only
// once the body has ended cleanly within its size limits and digest (otherwise the upload is
// aborted: nothing visible, nothing left behind). upload_part spools its body to memory and then
// a temporary file, since S3 needs its length up front.
//
// Where a remote store cannot do what the local one does:
// - Object events: there is no EventOutbox. The service's own bucket notifications deliver
//   object-created events to the api role's `POST /events/s3` (pipeline/event_ingress.h).
// - put_objects runs the puts side by side; they are not made durable together.
// - Checks the service cannot make atomically are made here, one request earlier: create_bucket
//   looks for the bucket first (S3 answers 200 to a re-create by its owner in us-east-1, as RGW
//   does); names and keys are validated (store/names.h) and part lists checked for order before
//   anything is sent; delete_bucket refuses while uploads are in progress, and a completion
//   checks that its upload still exists. A conditional write larger than part_size carries its
//   condition on the completion, which S3 checks but older services may ignore.
// - head_bucket cannot learn a bucket's creation time (BucketInfo::created is the epoch);
//   copy_object copies objects up to 5 GiB (a single CopyObject).
// - Ceph RGW (16.x) cannot complete an upload with parts left out of the list: InvalidPart.
// - MultipartCompletion::run_for sends the CompleteMultipartUpload in its first step and waits
//   for it: the service does the joining.
// - Additional checksums travel as the service's own (x-amz-checksum-* on a single PUT and on
//   parts, the upload's algorithm and type, part checksums in the completion, checksum mode on
//   HEAD/GET), so an object has one only where the service keeps it (RGW 16 does not). A put
//   larger than part_size goes up as a multipart upload without one.
//
// Thread-safe.

#include <memory>

#include "store/object_store.h"
#include "store/s3/body_spool.h"
#include "store/s3/s3_client_options.h"
#include "store/s3/s3_http.h"

namespace imgpipe::store::s3 {

class S3ObjectStore final : public ObjectStore {
  public:
    explicit S3ObjectStore(S3ClientOptions options);
    ~S3ObjectStore() override;

    S3Http& http() { return http_; }
    const S3ClientOptions& options() const { return http_.options(); }

    Status create_bucket(const std::string& bucket) override;
    Status delete_bucket(const std::string& bucket) override;
    Result<BucketInfo> head_bucket(const std::string& bucket) override;
    Result<std::vector<BucketInfo>> list_buckets() override;
    Result<std::string> get_bucket_cors(const std::string& bucket) override;
    Status put_bucket_cors(const std::string& bucket, const std::string& cors_xml) override;
    // The remote's ACLs, as canned ACLs (PUT ?acl with x-amz-acl; GET ?acl read by its AllUsers
    // grants). The remote always has one, so get_bucket_acl never answers nullopt.
    Result<std::optional<CannedAcl>> get_bucket_acl(const std::string& bucket) override;
    Status put_bucket_acl(const std::string& bucket, CannedAcl acl) override;
    Result<CannedAcl> get_object_acl(const std::string& bucket, const std::string& key) override;
    Status put_object_acl(const std::string& bucket, const std::string& key,
                          CannedAcl acl) override;

    Result<ObjectInfo> put_object(const PutRequest& request, ByteSource& body) override;
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
    Result<std::unique_ptr<MultipartCompletion>> start_complete_multipart_upload(
        const std::string& bucket, const std::string& key, const std::string& upload_id,
        const std::vector<CompletedPart>& parts) override;
    Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id) override;
    Result<ListPartsResult> list_parts(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id, int part_number_marker,
                                       int max_parts) override;
    Result<std::vector<MultipartUploadInfo>> list_multipart_uploads(
        const std::string& bucket, const std::string& prefix) override;

  private:
    // One PUT of a body already in memory (at most part_size bytes).
    Result<ObjectInfo> put_single(const PutRequest& request, const std::string& data,
                                  const std::string& md5);
    // A body longer than part_size: `first` is its first part, `carry` the byte read after
    // it, the rest is still in `body`.
    Result<ObjectInfo> put_multipart(const PutRequest& request, std::string first, ByteSource& body,
                                     std::string carry);
    Result<CompletedPart> send_part(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id, int part_number,
                                    const RequestBody& body,
                                    const std::optional<ObjectChecksum>& checksum = std::nullopt);
    // Completes an upload (with `condition`) and returns the object as it now is.
    Result<ObjectInfo> complete(const std::string& bucket, const std::string& key,
                                const std::string& upload_id,
                                const std::vector<CompletedPart>& parts,
                                const WriteCondition& condition);
    // A 404 on a HEAD has no body: tells NoSuchBucket from NoSuchKey.
    Status missing_key_or_bucket(const std::string& bucket, const Status& status);
    // A refused If-Match on a key with no object is NoSuchKey, as the port promises.
    Status refine_precondition(const PutRequest& request, const Status& status);

    friend class S3Completion;
    S3Http http_;
};

}  // namespace imgpipe::store::s3
