// Canned ACLs on the S3 endpoint: x-amz-acl on buckets and objects, PutBucketAcl/PutObjectAcl
// (header or AccessControlPolicy body), GetBucketAcl/GetObjectAcl, and what anonymous callers
// may then do. The expected documents follow AWS's GetBucketAcl examples (Owner, the owner's
// FULL_CONTROL grant, AllUsers READ/WRITE Group grants).
#include "s3/acl.h"

#include <gtest/gtest.h>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

constexpr const char* kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";

class AclTest : public S3ServiceTest {
  protected:
    Reply anonymous_get(const std::string& target, const std::string& method = "GET") {
        return send({.method = method, .target = target, .creds = std::nullopt});
    }
    Reply anonymous_put(const std::string& target, sigv4::HeaderList headers = {}) {
        return send({.method = "PUT",
                     .target = target,
                     .body = "anonymous bytes",
                     .headers = std::move(headers),
                     .creds = std::nullopt});
    }
    // The AllUsers permissions of an AccessControlPolicy reply, e.g. "READ,WRITE"; fails the
    // test unless the owner's FULL_CONTROL grant comes first.
    static std::string public_grants(Reply& r) {
        EXPECT_EQ(r.status, 200) << r.body;
        pugi::xml_node root = r.xml();
        EXPECT_STREQ(root.name(), "AccessControlPolicy");
        EXPECT_STREQ(root.child("Owner").child_value("ID"), kAccessKey);
        pugi::xml_node list = root.child("AccessControlList");
        pugi::xml_node first = list.child("Grant");
        EXPECT_STREQ(first.child("Grantee").attribute("xsi:type").value(), "CanonicalUser");
        EXPECT_STREQ(first.child("Grantee").child_value("ID"), kAccessKey);
        EXPECT_STREQ(first.child_value("Permission"), "FULL_CONTROL");
        std::string out;
        for (pugi::xml_node g = first.next_sibling("Grant"); g; g = g.next_sibling("Grant")) {
            EXPECT_STREQ(g.child("Grantee").attribute("xsi:type").value(), "Group");
            EXPECT_STREQ(g.child("Grantee").child_value("URI"), kAllUsers);
            if (!out.empty()) out += ",";
            out += g.child_value("Permission");
        }
        return out;
    }
    static std::string policy(const std::string& extra_grants) {
        return std::string(
                   "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                   "<Owner><ID>") +
               kAccessKey +
               "</ID></Owner><AccessControlList><Grant><Grantee "
               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
               "xsi:type=\"CanonicalUser\"><ID>" +
               kAccessKey + "</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>" +
               extra_grants + "</AccessControlList></AccessControlPolicy>";
    }
    static std::string all_users(const std::string& permission) {
        return std::string(
                   "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/"
                   "XMLSchema-instance\" xsi:type=\"Group\"><URI>") +
               kAllUsers + "</URI></Grantee><Permission>" + permission + "</Permission></Grant>";
    }
};

TEST_F(AclTest, CreateBucketWithPublicReadLetsAnyoneReadUntilMadePrivate) {
    Reply made =
        send({.method = "PUT", .target = "/gallery", .headers = {{"x-amz-acl", "public-read"}}});
    ASSERT_EQ(made.status, 200) << made.body;
    put_object("gallery", "a.jpg", "pixels");
    Reply acl = get("/gallery?acl");
    EXPECT_EQ(public_grants(acl), "READ");

    Reply read = anonymous_get("/gallery/a.jpg");
    EXPECT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(read.body, "pixels");
    EXPECT_EQ(anonymous_get("/gallery?list-type=2").status, 200);
    EXPECT_EQ(anonymous_put("/gallery/b.jpg").error_code(), "AccessDenied") << "read, not write";
    EXPECT_EQ(anonymous_get("/gallery?acl").error_code(), "AccessDenied")
        << "public-read does not give READ_ACP";

    Reply priv =
        send({.method = "PUT", .target = "/gallery?acl", .headers = {{"x-amz-acl", "private"}}});
    ASSERT_EQ(priv.status, 200) << priv.body;
    Reply after = get("/gallery?acl");
    EXPECT_EQ(public_grants(after), "");
    EXPECT_EQ(anonymous_get("/gallery/a.jpg").error_code(), "AccessDenied");
}

TEST_F(AclTest, PublicReadWriteBucketTakesAnonymousPutsButNothingElse) {
    create_bucket("inbox");
    Reply set = send(
        {.method = "PUT", .target = "/inbox?acl", .headers = {{"x-amz-acl", "public-read-write"}}});
    ASSERT_EQ(set.status, 200) << set.body;
    Reply acl = get("/inbox?acl");
    EXPECT_EQ(public_grants(acl), "READ,WRITE");

    Reply put = anonymous_put("/inbox/drop.txt");
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(anonymous_get("/inbox/drop.txt").body, "anonymous bytes");
    EXPECT_EQ(
        send({.method = "DELETE", .target = "/inbox/drop.txt", .creds = std::nullopt}).error_code(),
        "AccessDenied");
    EXPECT_EQ(send({.method = "POST", .target = "/inbox/big?uploads", .creds = std::nullopt})
                  .error_code(),
              "AccessDenied");
    EXPECT_EQ(send({.method = "PUT",
                    .target = "/inbox?acl",
                    .headers = {{"x-amz-acl", "private"}},
                    .creds = std::nullopt})
                  .error_code(),
              "AccessDenied");
}

TEST_F(AclTest, ConfiguredPublicBucketIsTheDefaultUntilAnAclIsSet) {
    create_bucket("public");  // in s3.public_read_buckets (the fixture's options)
    put_object("public", "k", "data");
    Reply acl = get("/public?acl");
    EXPECT_EQ(public_grants(acl), "READ");
    EXPECT_EQ(anonymous_get("/public/k").status, 200);

    ASSERT_EQ(
        send({.method = "PUT", .target = "/public?acl", .headers = {{"x-amz-acl", "private"}}})
            .status,
        200);
    EXPECT_EQ(anonymous_get("/public/k").error_code(), "AccessDenied");
    Reply after = get("/public?acl");
    EXPECT_EQ(public_grants(after), "");
}

TEST_F(AclTest, PublicReadObjectInPrivateBucketIsReadableAlone) {
    create_bucket("photos");
    Reply open = put("/photos/open.jpg", "open bytes", {{"x-amz-acl", "public-read"}});
    ASSERT_EQ(open.status, 200) << open.body;
    put_object("photos", "closed.jpg", "closed bytes");

    Reply get_open = anonymous_get("/photos/open.jpg");
    EXPECT_EQ(get_open.status, 200) << get_open.body;
    EXPECT_EQ(get_open.body, "open bytes");
    EXPECT_EQ(anonymous_get("/photos/open.jpg", "HEAD").status, 200);
    EXPECT_EQ(anonymous_get("/photos/closed.jpg").error_code(), "AccessDenied");
    EXPECT_EQ(anonymous_get("/photos/closed.jpg", "HEAD").status, 403);
    // A stranger learns nothing about keys: a missing one is AccessDenied too, as on S3.
    EXPECT_EQ(anonymous_get("/photos/missing.jpg").error_code(), "AccessDenied");
    EXPECT_EQ(anonymous_get("/nobucket/k").error_code(), "NoSuchBucket");
    EXPECT_EQ(anonymous_get("/photos?list-type=2").error_code(), "AccessDenied");

    Reply acl = get("/photos/open.jpg?acl");
    EXPECT_EQ(public_grants(acl), "READ");
    Reply closed_acl = get("/photos/closed.jpg?acl");
    EXPECT_EQ(public_grants(closed_acl), "");

    ASSERT_EQ(send({.method = "PUT",
                    .target = "/photos/open.jpg?acl",
                    .headers = {{"x-amz-acl", "private"}}})
                  .status,
              200);
    EXPECT_EQ(anonymous_get("/photos/open.jpg").error_code(), "AccessDenied");
    ASSERT_EQ(send({.method = "PUT",
                    .target = "/photos/closed.jpg?acl",
                    .headers = {{"x-amz-acl", "public-read"}}})
                  .status,
              200);
    EXPECT_EQ(anonymous_get("/photos/closed.jpg").body, "closed bytes");
    EXPECT_EQ(send({.method = "PUT",
                    .target = "/photos/missing.jpg?acl",
                    .headers = {{"x-amz-acl", "public-read"}}})
                  .error_code(),
              "NoSuchKey");
}

TEST_F(AclTest, BucketOwnerAclsArePrivateForASingleOwner) {
    create_bucket("photos");
    for (const char* acl : {"bucket-owner-read", "bucket-owner-full-control", "private"}) {
        Reply r = put("/photos/k", "x", {{"x-amz-acl", acl}});
        ASSERT_EQ(r.status, 200) << acl << r.body;
        Reply got = get("/photos/k?acl");
        EXPECT_EQ(public_grants(got), "") << acl;
        EXPECT_EQ(anonymous_get("/photos/k").status, 403) << acl;
    }
}

TEST_F(AclTest, CopyAndMultipartTakeTheAclOfTheirRequest) {
    create_bucket("photos");
    put_object("photos", "src", "source bytes");
    Reply copy =
        send({.method = "PUT",
              .target = "/photos/copy",
              .headers = {{"x-amz-copy-source", "/photos/src"}, {"x-amz-acl", "public-read"}}});
    ASSERT_EQ(copy.status, 200) << copy.body;
    EXPECT_EQ(anonymous_get("/photos/copy").body, "source bytes");
    Reply plain = send({.method = "PUT",
                        .target = "/photos/copy2",
                        .headers = {{"x-amz-copy-source", "/photos/copy"}}});
    ASSERT_EQ(plain.status, 200) << plain.body;
    EXPECT_EQ(anonymous_get("/photos/copy2").status, 403) << "a copy does not inherit the ACL";

    Reply created = send({.method = "POST",
                          .target = "/photos/mp?uploads",
                          .headers = {{"x-amz-acl", "public-read"}}});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string upload_id = created.xml().child_value("UploadId");
    Reply part = put("/photos/mp?partNumber=1&uploadId=" + upload_id, "one part");
    ASSERT_EQ(part.status, 200) << part.body;
    Reply done = send({.method = "POST",
                       .target = "/photos/mp?uploadId=" + upload_id,
                       .body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                               part.header("ETag") + "</ETag></Part></CompleteMultipartUpload>"});
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(anonymous_get("/photos/mp").body, "one part");
}

TEST_F(AclTest, AccessControlPolicyBodyMatchingACannedAclIsKept) {
    create_bucket("photos");
    Reply set = send({.method = "PUT", .target = "/photos?acl", .body = policy(all_users("READ"))});
    ASSERT_EQ(set.status, 200) << set.body;
    Reply acl = get("/photos?acl");
    EXPECT_EQ(public_grants(acl), "READ");
    // What GetBucketAcl answered, sent back as it came (the read-modify-write of SDKs).
    Reply again = send({.method = "PUT", .target = "/photos?acl", .body = acl.body});
    EXPECT_EQ(again.status, 200) << again.body;
    ASSERT_EQ(send({.method = "PUT", .target = "/photos?acl", .body = policy("")}).status, 200);
    Reply after = get("/photos?acl");
    EXPECT_EQ(public_grants(after), "");
}

TEST_F(AclTest, GrantsThatCannotBeHonouredAreNotImplemented) {
    create_bucket("photos");
    put_object("photos", "k", "x");
    auto expect_501 = [&](Reply r, const std::string& what) {
        EXPECT_EQ(r.status, 501) << what << ": " << r.body;
        EXPECT_EQ(r.error_code(), "NotImplemented") << what;
    };
    expect_501(send({.method = "PUT",
                     .target = "/photos?acl",
                     .headers = {{"x-amz-grant-read", std::string("uri=") + kAllUsers}}}),
               "grant header on PutBucketAcl");
    expect_501(put("/photos/k2", "x", {{"x-amz-grant-full-control", "id=someone"}}),
               "grant header on PutObject");
    for (const char* acl : {"authenticated-read", "aws-exec-read", "log-delivery-write"}) {
        expect_501(
            send({.method = "PUT", .target = "/photos?acl", .headers = {{"x-amz-acl", acl}}}), acl);
        expect_501(put("/photos/k3", "x", {{"x-amz-acl", acl}}), acl);
        expect_501(send({.method = "PUT", .target = "/newbucket", .headers = {{"x-amz-acl", acl}}}),
                   acl);
    }
    expect_501(put("/photos/k4", "x", {{"x-amz-acl", "public-read-write"}}),
               "public-read-write on an object");
    expect_501(send({.method = "PUT",
                     .target = "/photos?acl",
                     .body = policy("<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/"
                                    "XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>someone"
                                    "</ID></Grantee><Permission>READ</Permission></Grant>")}),
               "a grant to another user");
    expect_501(
        send({.method = "PUT", .target = "/photos?acl", .body = policy(all_users("READ_ACP"))}),
        "AllUsers READ_ACP");
    expect_501(send({.method = "PUT", .target = "/photos?acl", .body = policy(all_users("WRITE"))}),
               "AllUsers WRITE without READ");
    // Nothing was half-applied: no bucket, no object, the bucket still private.
    EXPECT_EQ(send({.method = "HEAD", .target = "/newbucket"}).status, 404);
    EXPECT_EQ(get("/photos/k3").status, 404);
    Reply acl = get("/photos?acl");
    EXPECT_EQ(public_grants(acl), "");
}

TEST_F(AclTest, MalformedAclRequestsAreClientErrors) {
    create_bucket("photos");
    Reply unknown =
        send({.method = "PUT", .target = "/photos?acl", .headers = {{"x-amz-acl", "everyone"}}});
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.error_code(), "InvalidArgument");
    Reply both = send({.method = "PUT",
                       .target = "/photos?acl",
                       .body = policy(""),
                       .headers = {{"x-amz-acl", "private"}}});
    EXPECT_EQ(both.status, 400);
    EXPECT_EQ(both.error_code(), "UnexpectedContent");
    Reply neither = send({.method = "PUT", .target = "/photos?acl"});
    EXPECT_EQ(neither.status, 400);
    EXPECT_EQ(neither.error_code(), "MissingSecurityHeader");
    Reply garbage = send({.method = "PUT", .target = "/photos?acl", .body = "<Nope/>"});
    EXPECT_EQ(garbage.status, 400);
    EXPECT_EQ(garbage.error_code(), "MalformedACLError");
    EXPECT_EQ(
        send({.method = "PUT", .target = "/nobucket?acl", .headers = {{"x-amz-acl", "private"}}})
            .error_code(),
        "NoSuchBucket");
    EXPECT_EQ(get("/photos/missing?acl").error_code(), "NoSuchKey");
}

TEST_F(AclTest, AnonymousWriterCannotPublishInAWriteOnlyBucket) {
    create_bucket("dropbox");  // in s3.public_write_buckets only
    Reply publish = anonymous_put("/dropbox/a", {{"x-amz-acl", "public-read"}});
    EXPECT_EQ(publish.status, 403) << publish.body;
    EXPECT_EQ(publish.error_code(), "AccessDenied");
    EXPECT_EQ(get("/dropbox/a").status, 404) << "nothing stored";
    EXPECT_EQ(anonymous_put("/dropbox/b").status, 200);
    EXPECT_EQ(anonymous_get("/dropbox/b").status, 403);
}

TEST(AclParseTest, CannedAclNames) {
    EXPECT_EQ(*parse_canned_acl("Public-Read"), store::CannedAcl::kPublicRead);
    EXPECT_EQ(*parse_canned_acl("public-read-write"), store::CannedAcl::kPublicReadWrite);
    EXPECT_EQ(*parse_canned_acl("bucket-owner-full-control"), store::CannedAcl::kPrivate);
    EXPECT_EQ(parse_canned_acl("authenticated-read").status().reason(), "NotImplemented");
    EXPECT_EQ(parse_canned_acl("").status().reason(), "InvalidArgument");
}

}  // namespace
}  // namespace imgpipe::s3::testing
