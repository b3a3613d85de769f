#include <gtest/gtest.h>

#include "s3/s3_test_fixture.h"

namespace imgpipe::s3::testing {
namespace {

using BucketHandlersTest = S3ServiceTest;

std::vector<std::string> child_names(pugi::xml_node node) {
    std::vector<std::string> names;
    for (pugi::xml_node c : node.children()) names.emplace_back(c.name());
    return names;
}

TEST_F(BucketHandlersTest, CreateThenListBuckets) {
    create_bucket("beta");
    create_bucket("alpha");
    Reply r = get("/");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/xml");
    EXPECT_EQ(r.header("x-amz-request-id"), "req-test-1");
    pugi::xml_node root = r.xml();
    EXPECT_STREQ(root.name(), "ListAllMyBucketsResult");
    EXPECT_STREQ(root.attribute("xmlns").value(), "http://s3.amazonaws.com/doc/2006-03-01/");
    // Owner comes before Buckets (the Java SDK depends on it).
    EXPECT_EQ(child_names(root), (std::vector<std::string>{"Owner", "Buckets"}));
    std::vector<std::string> names;
    for (pugi::xml_node b : root.child("Buckets").children("Bucket")) {
        names.emplace_back(b.child_value("Name"));
        EXPECT_EQ(std::string(b.child_value("CreationDate")).size(), 24u);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"alpha", "beta"}));
}

TEST_F(BucketHandlersTest, ListBucketsIsFilteredByKeyAndDeniedToAnonymous) {
    create_bucket("pics");
    create_bucket("secret");
    Reply r = send({.creds = sigv4::SigningCredentials{kReaderKey, kReaderSecret}});
    ASSERT_EQ(r.status, 200) << r.body;
    pugi::xml_node buckets = r.xml().child("Buckets");
    EXPECT_STREQ(buckets.first_child().child_value("Name"), "pics");
    EXPECT_FALSE(buckets.first_child().next_sibling());

    Reply anon = send({.creds = std::nullopt});
    EXPECT_EQ(anon.status, 403);
    EXPECT_EQ(anon.error_code(), "AccessDenied");
}

TEST_F(BucketHandlersTest, CreateBucketErrors) {
    create_bucket("photos");
    Reply again = send({.method = "PUT", .target = "/photos"});
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.error_code(), "BucketAlreadyOwnedByYou");
    Reply bad = send({.method = "PUT", .target = "/Bad_Name"});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_code(), "InvalidBucketName");
}

TEST_F(BucketHandlersTest, CreateBucketConfigurationBody) {
    const std::string ok =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>";
    EXPECT_EQ(send({.method = "PUT", .target = "/with-config", .body = ok}).status, 200);

    const std::string other =
        "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
        "</CreateBucketConfiguration>";
    Reply wrong = send({.method = "PUT", .target = "/wrong-region", .body = other});
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.error_code(), "InvalidLocationConstraint");

    Reply malformed = send({.method = "PUT", .target = "/malformed", .body = "<Create"});
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.error_code(), "MalformedXML");
    EXPECT_EQ(get("/malformed").error_code(), "NoSuchBucket");
}

TEST_F(BucketHandlersTest, HeadBucket) {
    create_bucket("photos");
    Reply r = send({.method = "HEAD", .target = "/photos"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-amz-bucket-region"), "us-east-1");
    Reply missing = send({.method = "HEAD", .target = "/nothing-here"});
    EXPECT_EQ(missing.status, 404);
    EXPECT_TRUE(missing.body.empty());
    EXPECT_EQ(missing.header("x-amz-request-id"), "req-test-1");
}

TEST_F(BucketHandlersTest, DeleteBucket) {
    create_bucket("photos");
    put_object("photos", "a.txt", "x");
    Reply full = send({.method = "DELETE", .target = "/photos"});
    EXPECT_EQ(full.status, 409);
    EXPECT_EQ(full.error_code(), "BucketNotEmpty");
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos/a.txt"}).status, 204);
    EXPECT_EQ(send({.method = "DELETE", .target = "/photos"}).status, 204);
    Reply gone = send({.method = "DELETE", .target = "/photos"});
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(gone.error_code(), "NoSuchBucket");
}

TEST_F(BucketHandlersTest, LocationVersioningAndAcl) {
    create_bucket("photos");
    Reply loc = get("/photos?location");
    ASSERT_EQ(loc.status, 200);
    pugi::xml_node root = loc.xml();
    EXPECT_STREQ(root.name(), "LocationConstraint");
    EXPECT_STREQ(root.child_value(), "");  // us-east-1 is the empty constraint

    Reply versioning = get("/photos?versioning");
    ASSERT_EQ(versioning.status, 200);
    EXPECT_STREQ(versioning.xml().name(), "VersioningConfiguration");

    Reply acl = get("/photos?acl");
    ASSERT_EQ(acl.status, 200) << acl.body;
    pugi::xml_node policy = acl.xml();
    EXPECT_STREQ(policy.child("Owner").child_value("ID"), kAccessKey);
    EXPECT_STREQ(policy.child("AccessControlList").child("Grant").child_value("Permission"),
                 "FULL_CONTROL");

    EXPECT_EQ(get("/missing-bucket?location").error_code(), "NoSuchBucket");
}

TEST_F(BucketHandlersTest, UnsupportedSubresourcesAreNotImplemented) {
    create_bucket("photos");
    for (const char* target : {"/photos?policy", "/photos?tagging", "/photos?lifecycle"}) {
        Reply r = get(target);
        EXPECT_EQ(r.status, 501) << target;
        EXPECT_EQ(r.error_code(), "NotImplemented") << target;
    }
}

}  // namespace
}  // namespace imgpipe::s3::testing
