#pragma once
// ObjectStore contract: multipart uploads and their error cases.
// Part of the suite in object_store_contract.h.

#include "store/object_store_contract_fixture.h"

namespace imgpipe::store {

TEST_P(ObjectStoreContractTest, MultipartUploadJoinsPartsInOrder) {
    PutRequest request{bucket(), "multi/object.bin"};
    request.attributes.content_type = "application/x-test";
    request.attributes.metadata = {{"origin", "multipart"}};
    auto upload_id = store().create_multipart_upload(request);
    ASSERT_TRUE(upload_id.is_ok()) << upload_id.status().to_string();

    std::string p1 = contract::pattern(contract::kOverMinPartSize, 1);
    std::string p2 = contract::pattern(1024 * 1024 + 3, 2);
    // Upload out of order: the completion list decides the order, not arrival.
    StringByteSource b2(p2);
    auto part2 = store().upload_part(bucket(), request.key, *upload_id, 2, b2, std::nullopt);
    ASSERT_TRUE(part2.is_ok()) << part2.status().to_string();
    StringByteSource b1(p1);
    auto part1 =
        store().upload_part(bucket(), request.key, *upload_id, 1, b1, contract::md5_raw(p1));
    ASSERT_TRUE(part1.is_ok()) << part1.status().to_string();
    EXPECT_EQ(part1->etag, to_hex(contract::md5_raw(p1)));
    EXPECT_EQ(part1->size, p1.size());

    auto uploads = store().list_multipart_uploads(bucket(), "multi/");
    ASSERT_TRUE(uploads.is_ok());
    ASSERT_EQ(uploads->size(), 1u);
    EXPECT_EQ((*uploads)[0].upload_id, *upload_id);
    EXPECT_EQ((*uploads)[0].key, request.key);
    EXPECT_TRUE(store().list_multipart_uploads(bucket(), "other/")->empty());
    EXPECT_EQ(head_reason(request.key), "NoSuchKey");  // nothing visible before completion

    auto done = store().complete_multipart_upload(
        bucket(), request.key, *upload_id, {{1, "\"" + part1->etag + "\""}, {2, part2->etag}});
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    std::string expected_etag =
        to_hex(contract::md5_raw(contract::md5_raw(p1) + contract::md5_raw(p2))) + "-2";
    EXPECT_EQ(done->etag, expected_etag);
    EXPECT_EQ(done->size, p1.size() + p2.size());
    EXPECT_EQ(get(request.key), p1 + p2);
    auto head = store().head_object(bucket(), request.key);
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->etag, expected_etag);
    EXPECT_EQ(head->attributes.content_type, "application/x-test");
    EXPECT_EQ(head->attributes.metadata, request.attributes.metadata);

    // The upload is gone.
    EXPECT_TRUE(store().list_multipart_uploads(bucket(), "")->empty());
    EXPECT_EQ(store().list_parts(bucket(), request.key, *upload_id, 0, 1000).status().reason(),
              "NoSuchUpload");
    EXPECT_EQ(store()
                  .complete_multipart_upload(bucket(), request.key, *upload_id, {{1, part1->etag}})
                  .status()
                  .reason(),
              "NoSuchUpload");
}

TEST_P(ObjectStoreContractTest, SinglePartUploadMayBeSmallAndReplacesObject) {
    ASSERT_TRUE(put("k", "old").is_ok());
    auto id = store().create_multipart_upload({bucket(), "k"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource first("discarded");
    ASSERT_TRUE(store().upload_part(bucket(), "k", *id, 1, first, std::nullopt).is_ok());
    StringByteSource second("tiny");  // uploading a part number again replaces it
    auto part = store().upload_part(bucket(), "k", *id, 1, second, std::nullopt);
    ASSERT_TRUE(part.is_ok());
    auto parts = store().list_parts(bucket(), "k", *id, 0, 1000);
    ASSERT_TRUE(parts.is_ok());
    ASSERT_EQ(parts->parts.size(), 1u);
    EXPECT_EQ(parts->parts[0].size, 4u);
    auto done = store().complete_multipart_upload(bucket(), "k", *id, {{1, part->etag}});
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    EXPECT_EQ(get("k"), "tiny");
    EXPECT_EQ(done->etag.substr(done->etag.size() - 2), "-1");
}

TEST_P(ObjectStoreContractTest, CompleteRejectsBadPartLists) {
    auto id = store().create_multipart_upload({bucket(), "bad"});
    ASSERT_TRUE(id.is_ok());
    std::string big = contract::pattern(contract::kOverMinPartSize, 4);
    StringByteSource b1(big);
    auto p1 = store().upload_part(bucket(), "bad", *id, 1, b1, std::nullopt);
    StringByteSource b2("small-2");
    auto p2 = store().upload_part(bucket(), "bad", *id, 2, b2, std::nullopt);
    StringByteSource b3("small-3");
    auto p3 = store().upload_part(bucket(), "bad", *id, 3, b3, std::nullopt);
    ASSERT_TRUE(p1.is_ok() && p2.is_ok() && p3.is_ok());

    auto complete = [&](const std::vector<CompletedPart>& parts) {
        return store().complete_multipart_upload(bucket(), "bad", *id, parts).status().reason();
    };
    EXPECT_EQ(complete({{1, p1->etag}, {4, p2->etag}}), "InvalidPart");  // never uploaded
    EXPECT_EQ(complete({{1, p1->etag}, {2, p3->etag}}), "InvalidPart");  // wrong ETag
    EXPECT_EQ(complete({{2, p2->etag}, {1, p1->etag}}), "InvalidPartOrder");
    EXPECT_EQ(complete({{1, p1->etag}, {1, p1->etag}}), "InvalidPartOrder");
    EXPECT_EQ(complete({{1, p1->etag}, {2, p2->etag}, {3, p3->etag}}), "EntityTooSmall");
    EXPECT_EQ(head_reason("bad"), "NoSuchKey");

    // None of that consumed the upload; a valid list still completes (parts may be skipped,
    // except on Ceph RGW, which refuses any list that leaves out an uploaded part).
    if (!harness_->completes_with_skipped_parts()) {
        EXPECT_EQ(complete({{1, p1->etag}, {3, p3->etag}}), "InvalidPart");
        EXPECT_TRUE(store().abort_multipart_upload(bucket(), "bad", *id).is_ok());
        return;
    }
    auto done =
        store().complete_multipart_upload(bucket(), "bad", *id, {{1, p1->etag}, {3, p3->etag}});
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    EXPECT_EQ(get("bad"), big + "small-3");
}

TEST_P(ObjectStoreContractTest, UnknownAndAbortedUploadsAreNoSuchUpload) {
    StringByteSource body("x");
    EXPECT_EQ(store()
                  .upload_part(bucket(), "k", "no-such-upload", 1, body, std::nullopt)
                  .status()
                  .reason(),
              "NoSuchUpload");
    EXPECT_EQ(store().abort_multipart_upload(bucket(), "k", "no-such-upload").reason(),
              "NoSuchUpload");

    auto id = store().create_multipart_upload({bucket(), "k"});
    ASSERT_TRUE(id.is_ok());
    // An upload id is bound to its key.
    StringByteSource other("x");
    EXPECT_EQ(store().upload_part(bucket(), "other", *id, 1, other, std::nullopt).status().reason(),
              "NoSuchUpload");
    StringByteSource part("part");
    auto p1 = store().upload_part(bucket(), "k", *id, 1, part, std::nullopt);
    ASSERT_TRUE(p1.is_ok());
    ASSERT_TRUE(store().abort_multipart_upload(bucket(), "k", *id).is_ok());
    EXPECT_EQ(
        store().complete_multipart_upload(bucket(), "k", *id, {{1, p1->etag}}).status().reason(),
        "NoSuchUpload");
    EXPECT_EQ(store().abort_multipart_upload(bucket(), "k", *id).reason(), "NoSuchUpload");
    EXPECT_EQ(head_reason("k"), "NoSuchKey");
    EXPECT_EQ(store()
                  .create_multipart_upload({harness_->bucket_name("contract-missing"), "k"})
                  .status()
                  .reason(),
              "NoSuchBucket");
    EXPECT_EQ(store().create_multipart_upload({bucket(), std::string(1025, 'k')}).status().reason(),
              "KeyTooLongError");
}

TEST_P(ObjectStoreContractTest, UploadPartChecksDigestAndNumber) {
    auto id = store().create_multipart_upload({bucket(), "k"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource body("part body");
    EXPECT_EQ(store()
                  .upload_part(bucket(), "k", *id, 1, body, contract::md5_raw("other"))
                  .status()
                  .reason(),
              "BadDigest");
    for (int number : {0, 10001}) {
        StringByteSource b("x");
        EXPECT_EQ(store().upload_part(bucket(), "k", *id, number, b, std::nullopt).status().code(),
                  StatusCode::kInvalidArgument);
    }
    EXPECT_TRUE(store().list_parts(bucket(), "k", *id, 0, 1000)->parts.empty());
}

TEST_P(ObjectStoreContractTest, ListPartsPaginates) {
    auto id = store().create_multipart_upload({bucket(), "k"});
    ASSERT_TRUE(id.is_ok());
    for (int n : {3, 1, 2}) {
        StringByteSource b("part" + std::to_string(n));
        ASSERT_TRUE(store().upload_part(bucket(), "k", *id, n, b, std::nullopt).is_ok());
    }
    auto page1 = store().list_parts(bucket(), "k", *id, 0, 2);
    ASSERT_TRUE(page1.is_ok());
    ASSERT_EQ(page1->parts.size(), 2u);
    EXPECT_EQ(page1->parts[0].part_number, 1);
    EXPECT_EQ(page1->parts[1].part_number, 2);
    EXPECT_TRUE(page1->is_truncated);
    EXPECT_EQ(page1->next_part_number_marker, 2);
    auto page2 = store().list_parts(bucket(), "k", *id, page1->next_part_number_marker, 2);
    ASSERT_TRUE(page2.is_ok());
    ASSERT_EQ(page2->parts.size(), 1u);
    EXPECT_EQ(page2->parts[0].part_number, 3);
    EXPECT_EQ(page2->parts[0].etag, to_hex(contract::md5_raw("part3")));
    EXPECT_FALSE(page2->is_truncated);
}

TEST_P(ObjectStoreContractTest, DeleteBucketAbortsItsPendingUploads) {
    std::string other = harness_->bucket_name("contract-uploads");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    auto id = store().create_multipart_upload({other, "k"});
    ASSERT_TRUE(id.is_ok());
    StringByteSource body("part");
    ASSERT_TRUE(store().upload_part(other, "k", *id, 1, body, std::nullopt).is_ok());
    StringByteSource object_body("x");
    ASSERT_TRUE(store().put_object({other, "object"}, object_body).is_ok());
    EXPECT_EQ(store().delete_bucket(other).reason(), "BucketNotEmpty");  // objects still count
    ASSERT_TRUE(store().delete_object(other, "object").is_ok());
    ASSERT_TRUE(store().delete_bucket(other).is_ok()) << "only an upload in progress was left";
    EXPECT_EQ(store().head_bucket(other).status().reason(), "NoSuchBucket");
    // Gone with its bucket: S3 names the missing bucket (RGW), a store may name the upload.
    const std::string gone = store().list_parts(other, "k", *id, 0, 1000).status().reason();
    EXPECT_TRUE(gone == "NoSuchBucket" || gone == "NoSuchUpload") << gone;
    // A bucket of the same name starts empty.
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    EXPECT_TRUE(store().list_multipart_uploads(other, "")->empty());
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
}

}  // namespace imgpipe::store
