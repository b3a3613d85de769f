#pragma once
// ObjectStore: the port to where objects live. Implementations: LocalObjectStore (files in the
// data dir + SQLite index, src/store/local) and, later, S3ObjectStore (any S3-compatible
// service). The S3 REST endpoint, the upload API and the workers use only this interface; one
// contract test suite (object_store_contract.h) runs against every implementation.
//
// Semantics are S3's: keys are arbitrary byte strings (UTF-8 in practice, up to 1024 bytes),
// listings are in byte order, a put replaces atomically (readers see the old or the new object,
// never a mix), a put that fails for any reason (body error, digest mismatch, size limit, disk
// full) leaves no visible object and no stray data. All methods are thread-safe.
//
// Error reasons (Status::reason) are S3 error names so the S3 edge can map them 1:1:
//   NoSuchBucket, NoSuchKey, NoSuchUpload, BucketAlreadyOwnedByYou, BucketNotEmpty,
//   InvalidBucketName, KeyTooLongError, BadDigest, EntityTooLarge, EntityTooSmall, InvalidPart,
//   InvalidPartOrder, InvalidRange, PreconditionFailed; plus "IoError"/"DiskFull" (kUnavailable /
//   kResourceExhausted) for the environment. Errors from the body source are returned unchanged.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/byte_source.h"
#include "core/result.h"
#include "core/side_by_side.h"

namespace imgpipe::store {

using TimePoint = std::chrono::system_clock::time_point;

// Who besides the owner may use a bucket or an object: S3's canned ACLs that this store can
// keep. On a bucket, kPublicRead lets anyone read (list, get) and kPublicReadWrite also write;
// on an object, kPublicRead lets anyone get it (kPublicReadWrite is bucket-only: S3 gives
// AllUsers WRITE on an object no meaning).
enum class CannedAcl { kPrivate = 0, kPublicRead = 1, kPublicReadWrite = 2 };

struct BucketInfo {
    std::string name;
    TimePoint created;
};

// What is stored with an object besides its bytes.
struct ObjectAttributes {
    std::string content_type;  // "" → binary/octet-stream when served
    // User metadata, names lower-cased without the "x-amz-meta-" prefix.
    std::map<std::string, std::string> metadata;
    // Standard headers kept and served back: cache-control, content-disposition,
    // content-encoding, content-language, expires (lower-case names).
    std::map<std::string, std::string> headers;
    // Put, copy and create_multipart_upload store it with the object (copy does not take the
    // source's: S3 gives a copy the ACL of its request). head_object and get_object report it
    // where the store can (the local store); S3ObjectStore passes it to the remote and reports
    // kPrivate, as S3's HEAD and GET carry no ACL: get_object_acl is the authority.
    CannedAcl acl = CannedAcl::kPrivate;
};

// An S3 additional checksum (x-amz-checksum-*) stored with an object or a part, as the S3
// endpoint verified it; the store keeps it as given and computes nothing.
struct ObjectChecksum {
    std::string algorithm;  // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"
    // Base64 of the big-endian value; "<base64>-<parts>" for a COMPOSITE multipart checksum.
    // Empty where only the algorithm is meant (an upload's declared checksum).
    std::string value;
    std::string type;  // "FULL_OBJECT" or "COMPOSITE"

    friend bool operator==(const ObjectChecksum&, const ObjectChecksum&) = default;
};

// Asked by the store once a body has been read to its end (and so verified by whoever reads
// it), before anything is committed: the checksum to keep with what the body made, nullopt for
// none. The checksum may arrive last (an aws-chunked trailer), hence a function, not a value.
using ChecksumAtEnd = std::function<std::optional<ObjectChecksum>()>;

struct ObjectInfo {
    std::string bucket;
    std::string key;
    uint64_t size = 0;
    std::string etag;  // unquoted: 32 hex (MD5) or "<hex>-<parts>" for multipart
    TimePoint last_modified;
    ObjectAttributes attributes;
    // For an object made by CompleteMultipartUpload, the size of each of its parts in order
    // (what GetObject/HeadObject ?partNumber= address); empty for other objects, and where the
    // store does not know them. Not filled in listings.
    std::vector<uint64_t> part_sizes;
    // The additional checksum kept with the object; nullopt when it had none or the store does
    // not know it. Not filled in listings.
    std::optional<ObjectChecksum> checksum;
};

// A conditional write (S3's If-None-Match / If-Match on PutObject and
// CompleteMultipartUpload): PreconditionFailed when the key has an object (if_none_match) or
// when its object's ETag is not `if_match` (unquoted); NoSuchKey for if_match on a key with no
// object.
struct WriteCondition {
    bool if_none_match = false;
    std::optional<std::string> if_match;
};

// How an object came to be, recorded with it for the object-created event.
enum class CreatedBy { kPut, kPost, kCopy, kCompleteMultipartUpload };

struct PutRequest {
    std::string bucket;
    std::string key;
    ObjectAttributes attributes;
    CreatedBy created_by = CreatedBy::kPut;
    // When set, the MD5 of the body must equal this (16 raw bytes) or the put fails with
    // BadDigest and stores nothing.
    std::optional<std::string> expected_md5;
    // The body must be within [min_size, max_size] bytes: EntityTooSmall / EntityTooLarge
    // otherwise. Reading stops as soon as max_size is crossed.
    uint64_t min_size = 0;
    uint64_t max_size = UINT64_MAX;
    // Conditional write, decided atomically with the commit: nothing is stored unless it holds.
    WriteCondition condition;
    // put_object: the object's checksum (see ChecksumAtEnd); unset for none. copy_object: the
    // copy's checksum, unset to keep the source's.
    ChecksumAtEnd checksum;
    // create_multipart_upload: the upload's checksum algorithm and type (value empty), given
    // back by list_parts; nullopt for an upload without one.
    std::optional<ObjectChecksum> upload_checksum;
};

// An inclusive byte range already resolved against the object size (first <= last < size).
struct ByteRange {
    uint64_t first = 0;
    uint64_t last = 0;
};

struct ObjectReader {
    ObjectInfo info;
    std::unique_ptr<ByteSource> body;  // the whole object, or the requested range
};

struct ListRequest {
    std::string bucket;
    std::string prefix;
    std::string delimiter;    // "" for none
    std::string start_after;  // list keys strictly greater than this
    int max_keys = 1000;      // 0..1000; keys + common prefixes returned count against it
};

struct ListResult {
    // Key, size, ETag and last-modified time: what ListObjects shows (no attributes).
    std::vector<ObjectInfo> objects;
    std::vector<std::string> common_prefixes;
    bool is_truncated = false;
    // The last key or common prefix returned: pass as start_after to continue.
    std::string next_start_after;
};

struct PartInfo {
    int part_number = 0;
    uint64_t size = 0;
    std::string etag;  // unquoted MD5 hex
    TimePoint last_modified;
    std::optional<ObjectChecksum> checksum;  // the part's own checksum, as upload_part kept it
};

struct CompletedPart {
    int part_number = 0;
    std::string etag;  // quoted or not
    // The part checksum the request lists (value and algorithm; checked by the S3 endpoint).
    std::optional<ObjectChecksum> checksum;
};

// A CompleteMultipartUpload with everything S3's request carries (ObjectStore::start_complete).
struct CompleteMultipartRequest {
    std::string bucket;
    std::string key;
    std::string upload_id;
    std::vector<CompletedPart> parts;
    // If-None-Match / If-Match on the completion, decided atomically with the commit: nothing
    // is stored unless it holds.
    WriteCondition condition;
    // Kept with the object as given (the S3 endpoint derives it from the parts' checksums).
    std::optional<ObjectChecksum> checksum;
};

struct MultipartUploadInfo {
    std::string bucket;
    std::string key;
    std::string upload_id;
    TimePoint initiated;
};

struct ListPartsResult {
    std::vector<PartInfo> parts;
    bool is_truncated = false;
    int next_part_number_marker = 0;
    // The upload's checksum algorithm and type (PutRequest::upload_checksum), nullopt if none.
    std::optional<ObjectChecksum> upload_checksum;
};

// A CompleteMultipartUpload under way (ObjectStore::start_complete_multipart_upload). Joining
// gigabytes of parts takes a while, so the work is done in slices the caller drives: the S3 edge
// sends whitespace between slices so that clients' read timeouts do not fire. Nothing is visible
// until the last slice commits; destroying an unfinished completion abandons it (no object, the
// upload and its parts kept, no stray data). Used by one thread at a time.
class MultipartCompletion {
  public:
    virtual ~MultipartCompletion() = default;
    // Works for about `budget` (at least one step, however small the budget), then returns
    // nullopt while work remains, or the outcome once finished: the object, or the errors of
    // ObjectStore::complete_multipart_upload (plus NoSuchUpload when the upload was aborted
    // meanwhile, InvalidPart when a part was replaced meanwhile, IoError/DiskFull).
    // REQUIRES: no earlier call returned an outcome.
    virtual std::optional<Result<ObjectInfo>> run_for(std::chrono::milliseconds budget) = 0;
};

class ObjectStore {
  public:
    virtual ~ObjectStore() = default;

    // kAlreadyExists/BucketAlreadyOwnedByYou if it exists; InvalidBucketName for names S3 would
    // refuse (3-63 chars of a-z 0-9 . -, starting and ending with a letter or digit).
    virtual Status create_bucket(const std::string& bucket) = 0;
    // Deletes the bucket and aborts its multipart uploads in progress, as S3 does.
    // NoSuchBucket; kFailedPrecondition/BucketNotEmpty if objects remain.
    virtual Status delete_bucket(const std::string& bucket) = 0;
    virtual Result<BucketInfo> head_bucket(const std::string& bucket) = 0;
    // Sorted by name.
    virtual Result<std::vector<BucketInfo>> list_buckets() = 0;
    // The bucket's CORS configuration (S3's CORSConfiguration XML, as the S3 endpoint renders
    // it), "" when it has none; it goes with the bucket. NoSuchBucket.
    virtual Result<std::string> get_bucket_cors(const std::string& bucket) = 0;
    // Sets it ("" removes it). NoSuchBucket.
    virtual Status put_bucket_cors(const std::string& bucket, const std::string& cors_xml) = 0;
    // The bucket's canned ACL; nullopt when none was ever set on it (the server's configured
    // default applies). It goes with the bucket. NoSuchBucket. This default and the three
    // below answer NotImplemented, for stores that cannot keep ACLs.
    virtual Result<std::optional<CannedAcl>> get_bucket_acl(const std::string& bucket);
    // Sets it. NoSuchBucket.
    virtual Status put_bucket_acl(const std::string& bucket, CannedAcl acl);
    // The object's ACL (kPrivate or kPublicRead). NoSuchBucket, NoSuchKey.
    virtual Result<CannedAcl> get_object_acl(const std::string& bucket, const std::string& key);
    // Sets it on the current object without rewriting it. NoSuchBucket, NoSuchKey.
    // REQUIRES: acl is kPrivate or kPublicRead.
    virtual Status put_object_acl(const std::string& bucket, const std::string& key, CannedAcl acl);

    // Streams `body` into the store and atomically makes it visible. NoSuchBucket,
    // KeyTooLongError, BadDigest, EntityTooLarge, EntityTooSmall, or the body's own error.
    virtual Result<ObjectInfo> put_object(const PutRequest& request, ByteSource& body) = 0;
    // put_object for several objects, each succeeding or failing on its own, results in the
    // order given; requests[i] takes bodies[i]. For the variants of one image: this default
    // runs the puts side by side; a store may also make them durable together (the local one
    // commits them in one index transaction).
    virtual std::vector<Result<ObjectInfo>> put_objects(std::span<const PutRequest> requests,
                                                        std::span<ByteSource* const> bodies) {
        return side_by_side(requests.size(),
                            [&](size_t i) { return put_object(requests[i], *bodies[i]); });
    }
    // NoSuchBucket, NoSuchKey.
    virtual Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key) = 0;
    // NoSuchBucket, NoSuchKey. With `range`, the body yields only those bytes.
    // REQUIRES: range, if given, is within the object (resolve it from head_object first).
    virtual Result<ObjectReader> get_object(const std::string& bucket, const std::string& key,
                                            std::optional<ByteRange> range) = 0;
    // Ok when the key did not exist (S3 semantics). NoSuchBucket.
    virtual Status delete_object(const std::string& bucket, const std::string& key) = 0;
    // Copies the bytes of src to `dest` (dest.attributes are used as given; the caller decides
    // between COPY and REPLACE metadata). NoSuchBucket, NoSuchKey.
    virtual Result<ObjectInfo> copy_object(const std::string& src_bucket,
                                           const std::string& src_key, const PutRequest& dest) = 0;
    // NoSuchBucket.
    virtual Result<ListResult> list_objects(const ListRequest& request) = 0;

    // Multipart upload. Returns the new upload id. NoSuchBucket, KeyTooLongError.
    virtual Result<std::string> create_multipart_upload(const PutRequest& request) = 0;
    // Stores (or replaces) one part, 1..10000, with the checksum `checksum` gives once the body
    // has ended. NoSuchUpload, BadDigest (request.expected_md5).
    virtual Result<PartInfo> upload_part(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         ByteSource& body, std::optional<std::string> expected_md5,
                                         const ChecksumAtEnd& checksum = {}) = 0;
    // Checks a CompleteMultipartUpload and returns the work of joining the listed parts into
    // the object (ETag "md5-of-md5s-N") and removing the upload; nothing is joined or opened
    // yet. NoSuchUpload, InvalidPart (unknown part or ETag mismatch), InvalidPartOrder (not
    // ascending), EntityTooSmall (a part other than the last under 5 MiB).
    virtual Result<std::unique_ptr<MultipartCompletion>> start_complete_multipart_upload(
        const std::string& bucket, const std::string& key, const std::string& upload_id,
        const std::vector<CompletedPart>& parts) = 0;
    // start_complete_multipart_upload with the rest of the request. A condition that fails
    // when the completion starts fails it with PreconditionFailed or NoSuchKey (as
    // WriteCondition says); one that held then but fails at the commit, because another write
    // to the key landed while the parts were joined, fails it with ConditionalRequestConflict
    // (kAborted); the upload is kept either way. A retry of a completion that succeeded (same
    // upload id, same parts; S3 SDKs retry on timeouts) answers the same object again for a
    // while instead of NoSuchUpload, as S3 does, whatever the condition. This default serves
    // requests without a condition through start_complete_multipart_upload and refuses the
    // others with NotImplemented; stores that can honour conditions override it.
    virtual Result<std::unique_ptr<MultipartCompletion>> start_complete(
        const CompleteMultipartRequest& request);
    // start_complete_multipart_upload run to its end in one call.
    Result<ObjectInfo> complete_multipart_upload(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id,
                                                 const std::vector<CompletedPart>& parts);
    // NoSuchUpload.
    virtual Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id) = 0;
    // Parts with number > part_number_marker, ascending. NoSuchUpload.
    virtual Result<ListPartsResult> list_parts(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id, int part_number_marker,
                                               int max_parts) = 0;
    // In-progress uploads of a bucket whose key starts with prefix, by key then initiation.
    virtual Result<std::vector<MultipartUploadInfo>> list_multipart_uploads(
        const std::string& bucket, const std::string& prefix) = 0;
};

}  // namespace imgpipe::store
