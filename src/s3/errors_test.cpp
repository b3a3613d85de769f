#include "s3/errors.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

namespace imgpipe::s3 {
namespace {

struct Case {
    const char* reason;
    StatusCode code;
    int http_status;
    const char* s3_code;
};

TEST(S3ErrorsTest, ReasonsMapToS3CodesAndStatuses) {
    const Case cases[] = {
        {"NoSuchBucket", StatusCode::kNotFound, 404, "NoSuchBucket"},
        {"NoSuchKey", StatusCode::kNotFound, 404, "NoSuchKey"},
        {"NoSuchUpload", StatusCode::kNotFound, 404, "NoSuchUpload"},
        {"AccessDenied", StatusCode::kPermissionDenied, 403, "AccessDenied"},
        {"SignatureDoesNotMatch", StatusCode::kUnauthenticated, 403, "SignatureDoesNotMatch"},
        {"InvalidAccessKeyId", StatusCode::kUnauthenticated, 403, "InvalidAccessKeyId"},
        {"RequestTimeTooSkewed", StatusCode::kUnauthenticated, 403, "RequestTimeTooSkewed"},
        {"BucketNotEmpty", StatusCode::kFailedPrecondition, 409, "BucketNotEmpty"},
        {"BucketAlreadyOwnedByYou", StatusCode::kAlreadyExists, 409, "BucketAlreadyOwnedByYou"},
        {"InvalidBucketName", StatusCode::kInvalidArgument, 400, "InvalidBucketName"},
        {"KeyTooLongError", StatusCode::kInvalidArgument, 400, "KeyTooLongError"},
        {"InvalidRange", StatusCode::kOutOfRange, 416, "InvalidRange"},
        {"InvalidPart", StatusCode::kInvalidArgument, 400, "InvalidPart"},
        {"InvalidPartOrder", StatusCode::kInvalidArgument, 400, "InvalidPartOrder"},
        {"MalformedXML", StatusCode::kInvalidArgument, 400, "MalformedXML"},
        {"XAmzContentSHA256Mismatch", StatusCode::kInvalidArgument, 400,
         "XAmzContentSHA256Mismatch"},
        {"BadDigest", StatusCode::kInvalidArgument, 400, "BadDigest"},
        {"InvalidDigest", StatusCode::kInvalidArgument, 400, "InvalidDigest"},
        {"EntityTooLarge", StatusCode::kResourceExhausted, 400, "EntityTooLarge"},
        {"EntityTooSmall", StatusCode::kInvalidArgument, 400, "EntityTooSmall"},
        {"InvalidArgument", StatusCode::kInvalidArgument, 400, "InvalidArgument"},
        {"InvalidRequest", StatusCode::kInvalidArgument, 400, "InvalidRequest"},
        {"PreconditionFailed", StatusCode::kFailedPrecondition, 412, "PreconditionFailed"},
        {"NotModified", StatusCode::kFailedPrecondition, 304, "NotModified"},
        {"MethodNotAllowed", StatusCode::kInvalidArgument, 405, "MethodNotAllowed"},
        {"AuthorizationHeaderMalformed", StatusCode::kInvalidArgument, 400,
         "AuthorizationHeaderMalformed"},
        {"AuthorizationQueryParametersError", StatusCode::kInvalidArgument, 400,
         "AuthorizationQueryParametersError"},
        {"IncompleteBody", StatusCode::kInvalidArgument, 400, "IncompleteBody"},
        {"MissingContentLength", StatusCode::kInvalidArgument, 411, "MissingContentLength"},
        {"InvalidPolicyDocument", StatusCode::kInvalidArgument, 400, "InvalidPolicyDocument"},
        {"NotImplemented", StatusCode::kUnimplemented, 501, "NotImplemented"},
        {"SlowDown", StatusCode::kUnavailable, 503, "SlowDown"},
        {"InternalError", StatusCode::kInternal, 500, "InternalError"},
        {"IoError", StatusCode::kUnavailable, 500, "InternalError"},
        {"DiskFull", StatusCode::kResourceExhausted, 507, "InsufficientStorage"},
        {"MaxPostPreDataLengthExceeded", StatusCode::kResourceExhausted, 400,
         "MaxPostPreDataLengthExceededError"},
        {"RequestIsNotMultiPartContent", StatusCode::kInvalidArgument, 400,
         "RequestIsNotMultiPartContent"},
        {"MalformedPOSTRequest", StatusCode::kInvalidArgument, 400, "MalformedPOSTRequest"},
    };
    for (const Case& c : cases) {
        S3Error e = s3_error_for(Status(c.code, c.reason, "detail"));
        EXPECT_EQ(e.code, c.s3_code) << c.reason;
        EXPECT_EQ(e.http_status, c.http_status) << c.reason;
        EXPECT_FALSE(e.message.empty()) << c.reason;
    }
}

TEST(S3ErrorsTest, UnknownReasonsFallBackOnStatusCode) {
    EXPECT_EQ(s3_error_for(Status(StatusCode::kInternal, "Weird", "x")).code, "InternalError");
    EXPECT_EQ(s3_error_for(Status(StatusCode::kInternal, "Weird", "x")).http_status, 500);
    EXPECT_EQ(s3_error_for(Status(StatusCode::kDataLoss, "", "x")).http_status, 500);
    EXPECT_EQ(s3_error_for(Status(StatusCode::kPermissionDenied, "", "x")).code, "AccessDenied");
    EXPECT_EQ(s3_error_for(Status(StatusCode::kInvalidArgument, "Odd", "x")).code,
              "InvalidArgument");
    EXPECT_EQ(s3_error_for(Status(StatusCode::kOutOfRange, "", "x")).http_status, 416);
    EXPECT_EQ(s3_error_for(Status(StatusCode::kUnimplemented, "", "x")).http_status, 501);
    EXPECT_EQ(s3_error_for(Status(StatusCode::kUnavailable, "", "x")).http_status, 503);
    EXPECT_FALSE(find_s3_error("NoSuchThing").has_value());
}

TEST(S3ErrorsTest, ResponseRendersErrorXmlWithoutNamespace) {
    http::Response r =
        error_response(not_found("NoSuchKey", "row missing in index"), "/bucket/key", "req-1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.headers.get_or("Content-Type", ""), "application/xml");
    EXPECT_EQ(r.headers.get_or("x-amz-request-id", ""), "req-1");
    EXPECT_EQ(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r.body.c_str()));
    pugi::xml_node e = doc.child("Error");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e.attribute("xmlns").empty());
    EXPECT_STREQ(e.child_value("Code"), "NoSuchKey");
    EXPECT_STREQ(e.child_value("Message"), "The specified key does not exist.");
    EXPECT_STREQ(e.child_value("Resource"), "/bucket/key");
    EXPECT_STREQ(e.child_value("RequestId"), "req-1");
    // The internal detail never reaches the client.
    EXPECT_EQ(r.body.find("row missing"), std::string::npos);
}

TEST(S3ErrorsTest, InternalFailuresGetGenericMessage) {
    http::Response r =
        error_response(internal_error("sqlite: disk I/O error at /data/index.db"), "/b", "r2");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("sqlite"), std::string::npos);
    EXPECT_NE(r.body.find("<Code>InternalError</Code>"), std::string::npos);
}

TEST(S3ErrorsTest, ExtrasAddMessageAndElementsInOrder) {
    ErrorExtras extras;
    extras.elements = {{"ProposedSize", "2048"}, {"MaxSizeAllowed", "1024"}};
    http::Response r = error_response(Status(StatusCode::kResourceExhausted, "EntityTooLarge", "x"),
                                      "/b", "r3", extras);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(r.body.c_str()));
    pugi::xml_node e = doc.child("Error");
    std::vector<std::string> names;
    for (pugi::xml_node c : e.children()) names.emplace_back(c.name());
    EXPECT_EQ(names, (std::vector<std::string>{"Code", "Message", "ProposedSize", "MaxSizeAllowed",
                                               "Resource", "RequestId"}));
    EXPECT_STREQ(e.child_value("ProposedSize"), "2048");

    ErrorExtras custom{.message = "Invalid according to Policy: Policy expired."};
    http::Response p = error_response(Status(StatusCode::kPermissionDenied, "AccessDenied", "x"),
                                      "/b", "r4", custom);
    EXPECT_NE(p.body.find("<Message>Invalid according to Policy: Policy expired.</Message>"),
              std::string::npos);
}

TEST(S3ErrorsTest, NotModifiedAndHeadHaveNoBody) {
    http::Response r = error_response(
        Status(StatusCode::kFailedPrecondition, "NotModified", "etag matched"), "/b/k", "r5");
    EXPECT_EQ(r.status, 304);
    EXPECT_TRUE(r.body.empty());
    http::Response h = error_response(not_found("NoSuchKey", ""), "/b/k", "r6");
    drop_body_for_head(h);
    EXPECT_EQ(h.status, 404);
    EXPECT_TRUE(h.body.empty());
    EXPECT_EQ(h.headers.get_or("x-amz-request-id", ""), "r6");
}

}  // namespace
}  // namespace imgpipe::s3
