#include "s3/routing.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace imgpipe::s3 {
namespace {

TEST(RoutingTest, PathStyleSplitsBucketAndDecodedKey) {
    S3Options options;
    auto t = resolve_target("127.0.0.1:9000", "/photos/a%20b/c%2Bd.jpg", options);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->bucket, "photos");
    EXPECT_EQ(t->key, "a b/c+d.jpg");
    EXPECT_FALSE(t->virtual_hosted);
}

TEST(RoutingTest, PathStyleServiceAndBucketLevel) {
    S3Options options;
    auto root = resolve_target("localhost:9000", "/", options);
    ASSERT_TRUE(root.is_ok());
    EXPECT_EQ(root->bucket, "");
    EXPECT_EQ(root->key, "");
    auto bucket = resolve_target("localhost:9000", "/photos/", options);
    ASSERT_TRUE(bucket.is_ok());
    EXPECT_EQ(bucket->bucket, "photos");
    EXPECT_EQ(bucket->key, "");
}

TEST(RoutingTest, KeysKeepSlashesAndDotsLiterally) {
    S3Options options;
    auto t = resolve_target("localhost", "/b-1/a//../x/", options);
    ASSERT_TRUE(t.is_ok());
    EXPECT_EQ(t->key, "a//../x/");
}

TEST(RoutingTest, VirtualHostedStyleTakesBucketFromHost) {
    S3Options options;
    options.virtual_host_domains = {"localhost", "s3.example.com"};
    auto t = resolve_target("Photos-1.LOCALHOST:9000", "/dir/cat.jpg", options);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->bucket, "photos-1");
    EXPECT_EQ(t->key, "dir/cat.jpg");
    EXPECT_TRUE(t->virtual_hosted);

    auto other = resolve_target("my.bucket.s3.example.com", "/", options);
    ASSERT_TRUE(other.is_ok());
    EXPECT_EQ(other->bucket, "my.bucket");
    EXPECT_EQ(other->key, "");

    // The bare domain is path-style.
    auto bare = resolve_target("s3.example.com", "/b-1/k", options);
    ASSERT_TRUE(bare.is_ok());
    EXPECT_EQ(bare->bucket, "b-1");
    EXPECT_FALSE(bare->virtual_hosted);
}

TEST(RoutingTest, RejectsBadBucketNamesLongKeysAndBadEscapes) {
    S3Options options;
    EXPECT_EQ(resolve_target("localhost", "/AB/k", options).status().reason(), "InvalidBucketName");
    EXPECT_EQ(resolve_target("localhost", "/ab/k", options).status().reason(), "InvalidBucketName");
    EXPECT_EQ(
        resolve_target("localhost", "/bucket/" + std::string(1025, 'k'), options).status().reason(),
        "KeyTooLongError");
    EXPECT_TRUE(resolve_target("localhost", "/bucket/" + std::string(1024, 'k'), options).is_ok());
    EXPECT_EQ(resolve_target("localhost", "/bucket/%zz", options).status().code(),
              StatusCode::kInvalidArgument);
}

TEST(RoutingTest, QueryParamsDecodeInOrder) {
    QueryParams q = QueryParams::parse("list-type=2&prefix=a%2Fb+c&uploads&empty=");
    EXPECT_TRUE(q.has("uploads"));
    EXPECT_EQ(q.get_or("uploads", "x"), "");
    EXPECT_EQ(q.get_or("prefix", ""), "a/b c");
    EXPECT_EQ(q.get_or("list-type", ""), "2");
    EXPECT_TRUE(q.has("empty"));
    EXPECT_FALSE(q.has("delete"));
    ASSERT_EQ(q.entries().size(), 4u);
    EXPECT_EQ(q.entries()[0].first, "list-type");
}

Operation op(std::string_view method, std::string bucket, std::string key, std::string_view query,
             const http::Headers& headers = {}) {
    S3Target target{std::move(bucket), std::move(key)};
    return classify(method, target, QueryParams::parse(query), headers);
}

TEST(RoutingTest, ClassifiesBucketOperations) {
    EXPECT_EQ(op("GET", "", "", ""), Operation::kListBuckets);
    EXPECT_EQ(op("PUT", "", "", ""), Operation::kMethodNotAllowed);
    EXPECT_EQ(op("PUT", "b", "", ""), Operation::kCreateBucket);
    EXPECT_EQ(op("HEAD", "b", "", ""), Operation::kHeadBucket);
    EXPECT_EQ(op("DELETE", "b", "", ""), Operation::kDeleteBucket);
    EXPECT_EQ(op("GET", "b", "", "location"), Operation::kGetBucketLocation);
    EXPECT_EQ(op("GET", "b", "", "list-type=2&prefix=x"), Operation::kListObjectsV2);
    EXPECT_EQ(op("GET", "b", "", "prefix=x"), Operation::kListObjectsV1);
    EXPECT_EQ(op("GET", "b", "", "versions"), Operation::kListObjectVersions);
    EXPECT_EQ(op("GET", "b", "", "uploads"), Operation::kListMultipartUploads);
    EXPECT_EQ(op("GET", "b", "", "acl"), Operation::kGetBucketAcl);
    EXPECT_EQ(op("GET", "b", "", "policy"), Operation::kNotImplemented);
    EXPECT_EQ(op("PUT", "b", "", "tagging"), Operation::kNotImplemented);
    EXPECT_EQ(op("POST", "b", "", "delete"), Operation::kDeleteObjects);
    http::Headers form;
    form.add("Content-Type", "multipart/form-data; boundary=xyz");
    EXPECT_EQ(op("POST", "b", "", "", form), Operation::kPostObject);
    EXPECT_EQ(op("POST", "b", "", ""), Operation::kPostNotMultipart);
    EXPECT_EQ(op("OPTIONS", "b", "k", ""), Operation::kCorsPreflight);
    EXPECT_EQ(op("PATCH", "b", "", ""), Operation::kMethodNotAllowed);
}

TEST(RoutingTest, ClassifiesObjectOperations) {
    EXPECT_EQ(op("PUT", "b", "k", ""), Operation::kPutObject);
    http::Headers copy;
    copy.add("x-amz-copy-source", "/src/k");
    EXPECT_EQ(op("PUT", "b", "k", "", copy), Operation::kCopyObject);
    EXPECT_EQ(op("PUT", "b", "k", "partNumber=1&uploadId=u", copy), Operation::kUploadPartCopy);
    EXPECT_EQ(op("GET", "b", "k", "partNumber=2"), Operation::kGetObject);
    EXPECT_EQ(op("HEAD", "b", "k", "partNumber=1"), Operation::kHeadObject);
    EXPECT_EQ(op("PUT", "b", "k", "partNumber=1&uploadId=u"), Operation::kUploadPart);
    EXPECT_EQ(op("GET", "b", "k", ""), Operation::kGetObject);
    EXPECT_EQ(op("GET", "b", "k", "versionId=null"), Operation::kGetObject);
    EXPECT_EQ(op("GET", "b", "k", "versionId=abc"), Operation::kNotImplemented);
    EXPECT_EQ(op("GET", "b", "k", "response-content-type=text/plain"), Operation::kGetObject);
    EXPECT_EQ(op("HEAD", "b", "k", ""), Operation::kHeadObject);
    EXPECT_EQ(op("DELETE", "b", "k", ""), Operation::kDeleteObject);
    EXPECT_EQ(op("POST", "b", "k", "uploads"), Operation::kCreateMultipartUpload);
    EXPECT_EQ(op("POST", "b", "k", "uploadId=u"), Operation::kCompleteMultipartUpload);
    EXPECT_EQ(op("DELETE", "b", "k", "uploadId=u"), Operation::kAbortMultipartUpload);
    EXPECT_EQ(op("GET", "b", "k", "uploadId=u"), Operation::kListParts);
    EXPECT_EQ(op("GET", "b", "k", "acl"), Operation::kGetObjectAcl);
    EXPECT_EQ(op("GET", "b", "k", "attributes"), Operation::kGetObjectAttributes);
    EXPECT_EQ(op("GET", "b", "k", "tagging"), Operation::kGetObjectTagging);
    EXPECT_EQ(op("PUT", "b", "k", "tagging"), Operation::kNotImplemented);
    EXPECT_EQ(op("DELETE", "b", "k", "tagging"), Operation::kNotImplemented);
    EXPECT_EQ(op("POST", "b", "k", ""), Operation::kMethodNotAllowed);
}

TEST(RoutingTest, FeaturesThisStoreLacksAreRefusedNotIgnored) {
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"x-amz-server-side-encryption", "AES256"},
             {"X-Amz-Server-Side-Encryption-Customer-Algorithm", "AES256"},
             {"x-amz-object-lock-mode", "GOVERNANCE"},
             {"x-amz-tagging", "a=b"},
             {"x-amz-grant-read", "uri=http://acs.amazonaws.com/groups/global/AllUsers"},
             {"x-amz-acl", "authenticated-read"}}) {
        http::Headers headers;
        headers.add(name, value);
        EXPECT_EQ(op("PUT", "b", "k", "", headers), Operation::kNotImplemented) << name;
        EXPECT_EQ(op("POST", "b", "k", "uploads", headers), Operation::kNotImplemented) << name;
    }
    http::Headers private_acl;
    private_acl.add("x-amz-acl", "private");
    EXPECT_EQ(op("PUT", "b", "k", "", private_acl), Operation::kPutObject);
    EXPECT_EQ(op("PUT", "b", "", "", private_acl), Operation::kCreateBucket);
    http::Headers public_acl;
    public_acl.add("x-amz-acl", "public-read");
    EXPECT_EQ(op("PUT", "b", "k", "", public_acl), Operation::kPutObject);
    EXPECT_EQ(op("PUT", "b", "", "", public_acl), Operation::kCreateBucket);
    EXPECT_EQ(op("PUT", "b", "", "acl", public_acl), Operation::kPutBucketAcl);
    EXPECT_EQ(op("PUT", "b", "k", "acl", public_acl), Operation::kPutObjectAcl);
    http::Headers lock;
    lock.add("x-amz-bucket-object-lock-enabled", "true");
    EXPECT_EQ(op("PUT", "b", "", "", lock), Operation::kNotImplemented);
    for (const char* sub :
         {"versioning", "lifecycle", "policy", "encryption", "object-lock", "tagging"}) {
        EXPECT_EQ(op("PUT", "b", "", sub), Operation::kNotImplemented) << sub;
    }
    for (const char* sub : {"lifecycle", "policy", "encryption", "object-lock", "tagging"}) {
        EXPECT_EQ(op("GET", "b", "", sub), Operation::kNotImplemented) << sub;
    }
    for (const char* sub : {"retention", "legal-hold"}) {
        EXPECT_EQ(op("PUT", "b", "k", sub), Operation::kNotImplemented) << sub;
    }
}

TEST(RoutingTest, ActionsPerOperation) {
    EXPECT_EQ(action_for(Operation::kGetObject), Action::kRead);
    EXPECT_EQ(action_for(Operation::kListObjectsV2), Action::kRead);
    EXPECT_EQ(action_for(Operation::kPutObject), Action::kWrite);
    EXPECT_EQ(action_for(Operation::kDeleteObjects), Action::kWrite);
    EXPECT_EQ(action_for(Operation::kCreateBucket), Action::kAdmin);
    EXPECT_EQ(action_for(Operation::kDeleteBucket), Action::kAdmin);
    EXPECT_EQ(operation_name(Operation::kUploadPart), "UploadPart");
}

}  // namespace
}  // namespace imgpipe::s3
