#include "pipeline/s3_event.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace imgpipe::pipeline {
namespace {

// The example of AWS's "Event message structure" page, as docs/s3-compat.md §4 quotes it.
constexpr const char* kAwsExample = R"({"Records":[{
  "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
  "eventTime":"2026-01-01T12:00:00.123Z","eventName":"ObjectCreated:Post",
  "userIdentity":{"principalId":"AIDAJDPLRKLG7UEXAMPLE"},
  "requestParameters":{"sourceIPAddress":"127.0.0.1"},
  "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8x"},
  "s3":{"s3SchemaVersion":"1.0","configurationId":"resize-on-upload",
        "bucket":{"name":"uploads","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},
                  "arn":"arn:aws:s3:::uploads"},
        "object":{"key":"user%40x+red+flower.jpg","size":1024,
                  "eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]})";

TEST(S3EventTest, ParsesAwsExampleAndDecodesKey) {
    auto records = parse_s3_event(kAwsExample);
    ASSERT_TRUE(records.is_ok()) << records.status().to_string();
    ASSERT_EQ(records->size(), 1u);
    const S3EventRecord& r = records->front();
    EXPECT_EQ(r.event_name, "ObjectCreated:Post");
    EXPECT_TRUE(r.is_created());
    EXPECT_EQ(r.bucket, "uploads");
    EXPECT_EQ(r.key, "user@x red flower.jpg");
    EXPECT_EQ(r.size, 1024u);
    EXPECT_EQ(r.etag, "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(r.sequencer, "0055AED6DCD90281E5");
    EXPECT_EQ(
        std::chrono::duration_cast<std::chrono::milliseconds>(r.time.time_since_epoch()).count(),
        1767268800123);  // date -d 2026-01-01T12:00:00Z +%s, and 123 ms
}

TEST(S3EventTest, CephKeysAreTakenRaw) {
    // Ceph RGW 16.2 sends keys unencoded (observed; docs/s3-compat.md §4).
    auto records = parse_s3_event(R"({"Records":[{"eventVersion":"2.2","eventSource":"ceph:s3",
        "awsRegion":"","eventTime":"2026-01-01T12:00:00.000000Z",
        "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"uploads"},
        "object":{"key":"dir/a b+c%d ü.txt","size":3,"eTag":"abc","versionId":""}}}]})");
    ASSERT_TRUE(records.is_ok()) << records.status().to_string();
    EXPECT_EQ(records->front().key, "dir/a b+c%d ü.txt");
}

TEST(S3EventTest, TestEventHasNoRecords) {
    auto records = parse_s3_event(
        R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-01T00:00:00Z"})");
    ASSERT_TRUE(records.is_ok());
    EXPECT_TRUE(records->empty());
}

TEST(S3EventTest, RejectsWhatIsNotANotification) {
    for (
        const char* text :
        {"", "[]", "{", "{\"Records\":{}}", "{\"Records\":[1]}",
         R"({"Records":[{"s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]})",
         R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{},"object":{"key":"k"}}}]})",
         R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]})"}) {
        auto records = parse_s3_event(text);
        ASSERT_FALSE(records.is_ok()) << text;
        EXPECT_EQ(records.status().reason(), "InvalidEvent") << text;
    }
}

TEST(S3EventTest, WritesAwsShapeThatReadsBack) {
    S3EventRecord r;
    r.event_name = "ObjectCreated:CompleteMultipartUpload";
    r.region = "us-east-1";
    r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767268800123));
    r.bucket = "uploads";
    r.key = "a b/+%#/ü.jpg";
    r.size = 5;
    r.etag = "0123-2";
    r.sequencer = local_sequencer(42);
    std::string text = to_s3_event_json({r});

    auto j = nlohmann::json::parse(text);
    const auto& rec = j["Records"][0];
    EXPECT_EQ(rec["eventVersion"], "2.1");
    EXPECT_EQ(rec["eventSource"], "aws:s3");
    EXPECT_EQ(rec["eventTime"], "2026-01-01T12:00:00.123Z");
    EXPECT_EQ(rec["s3"]["object"]["key"], "a+b/%2B%25%23/%C3%BC.jpg");
    EXPECT_TRUE(rec["s3"]["object"]["size"].is_number());
    EXPECT_EQ(rec["s3"]["bucket"]["arn"], "arn:aws:s3:::uploads");

    auto back = parse_s3_event(text);
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(back->front().key, r.key);
    EXPECT_EQ(back->front().sequencer, r.sequencer);
    EXPECT_EQ(back->front().time, r.time);
}

TEST(S3EventTest, LocalSequencersOrderLikeTheirSeq) {
    EXPECT_EQ(local_sequencer(1), "0000000000000001");
    EXPECT_EQ(local_sequencer(255), "00000000000000FF");
    EXPECT_LT(local_sequencer(9), local_sequencer(10));
    EXPECT_LT(local_sequencer(0xFFFF), local_sequencer(0x10000));
}

}  // namespace
}  // namespace imgpipe::pipeline
