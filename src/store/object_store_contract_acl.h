#pragma once
// ObjectStore contract: canned ACLs kept with buckets and objects (get/put_bucket_acl,
// get/put_object_acl, ObjectAttributes::acl on put, copy and multipart). Part of the suite in
// object_store_contract.h.

#include "store/object_store_contract_fixture.h"

namespace imgpipe::store {

TEST_P(ObjectStoreContractTest, BucketAclIsKeptWithTheBucketAndGoesWithIt) {
    std::string other = harness_->bucket_name("contract-acl");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    // A bucket nobody set an ACL on: the local store says so (nullopt), a remote S3 service
    // always has one, private.
    auto fresh = store().get_bucket_acl(other);
    ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
    EXPECT_EQ(fresh->value_or(CannedAcl::kPrivate), CannedAcl::kPrivate);

    for (CannedAcl acl :
         {CannedAcl::kPublicRead, CannedAcl::kPublicReadWrite, CannedAcl::kPrivate}) {
        ASSERT_TRUE(store().put_bucket_acl(other, acl).is_ok());
        auto got = store().get_bucket_acl(other);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        EXPECT_EQ(*got, std::optional(acl));
    }

    ASSERT_TRUE(store().put_bucket_acl(other, CannedAcl::kPublicRead).is_ok());
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
    EXPECT_EQ(store().get_bucket_acl(other).status().reason(), "NoSuchBucket");
    EXPECT_EQ(store().put_bucket_acl(other, CannedAcl::kPublicRead).reason(), "NoSuchBucket");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    auto again = store().get_bucket_acl(other);
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(again->value_or(CannedAcl::kPrivate), CannedAcl::kPrivate)
        << "a new bucket of the same name starts private";
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
}

TEST_P(ObjectStoreContractTest, ObjectAclComesFromItsWriteAndCanBeChanged) {
    ObjectAttributes public_read;
    public_read.acl = CannedAcl::kPublicRead;
    ASSERT_TRUE(put("open", "o", public_read).is_ok());
    ASSERT_TRUE(put("closed", "c").is_ok());
    EXPECT_EQ(*store().get_object_acl(bucket(), "open"), CannedAcl::kPublicRead);
    EXPECT_EQ(*store().get_object_acl(bucket(), "closed"), CannedAcl::kPrivate);

    ASSERT_TRUE(store().put_object_acl(bucket(), "open", CannedAcl::kPrivate).is_ok());
    EXPECT_EQ(*store().get_object_acl(bucket(), "open"), CannedAcl::kPrivate);
    ASSERT_TRUE(store().put_object_acl(bucket(), "closed", CannedAcl::kPublicRead).is_ok());
    EXPECT_EQ(*store().get_object_acl(bucket(), "closed"), CannedAcl::kPublicRead);
    EXPECT_EQ(get("closed"), "c") << "setting the ACL leaves the bytes";

    // An overwrite takes the ACL of its own request.
    ASSERT_TRUE(put("closed", "c2").is_ok());
    EXPECT_EQ(*store().get_object_acl(bucket(), "closed"), CannedAcl::kPrivate);

    // A copy takes the ACL it is given, not the source's.
    PutRequest copy{bucket(), "copied"};
    copy.attributes.acl = CannedAcl::kPublicRead;
    ASSERT_TRUE(store().copy_object(bucket(), "closed", copy).is_ok());
    EXPECT_EQ(*store().get_object_acl(bucket(), "copied"), CannedAcl::kPublicRead);

    EXPECT_EQ(store().get_object_acl(bucket(), "missing").status().reason(), "NoSuchKey");
    EXPECT_EQ(store().put_object_acl(bucket(), "missing", CannedAcl::kPublicRead).reason(),
              "NoSuchKey");
    const std::string gone = harness_->bucket_name("contract-no-such-bucket");
    EXPECT_EQ(store().get_object_acl(gone, "k").status().reason(), "NoSuchBucket");
}

TEST_P(ObjectStoreContractTest, MultipartObjectTakesTheAclOfItsUpload) {
    PutRequest request{bucket(), "mp-open"};
    request.attributes.acl = CannedAcl::kPublicRead;
    auto upload = store().create_multipart_upload(request);
    ASSERT_TRUE(upload.is_ok()) << upload.status().to_string();
    StringByteSource body("the only part");
    auto part = store().upload_part(bucket(), "mp-open", *upload, 1, body, std::nullopt);
    ASSERT_TRUE(part.is_ok()) << part.status().to_string();
    auto done = store().complete_multipart_upload(bucket(), "mp-open", *upload, {{1, part->etag}});
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    EXPECT_EQ(*store().get_object_acl(bucket(), "mp-open"), CannedAcl::kPublicRead);
}

}  // namespace imgpipe::store
