// S3ObjectStore beyond the shared contract: large bodies as multipart uploads (and what a failed
// one leaves behind: nothing), virtual-hosted-style addressing, retries, and the pure helpers
// (store URLs, header values, error mapping, XML), against a real Ceph RGW where a service is
// involved.
#include "store/s3/s3_object_store.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/hex.h"
#include "store/object_store_contract_fixture.h"
#include "store/s3/header_codec.h"
#include "store/s3/rgw_cluster.h"
#include "store/s3/s3_errors.h"
#include "store/s3/s3_xml.h"

namespace imgpipe::store::s3 {
namespace {

using contract::ChunkySource;
using contract::CountingSource;
using contract::md5_raw;
using contract::pattern;
using testing::RgwCluster;

constexpr uint64_t kPart = 5 * 1024 * 1024;

class S3ObjectStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        RgwCluster* cluster = RgwCluster::get();
        ASSERT_NE(cluster, nullptr);
        S3ClientOptions options = cluster->options();
        options.part_size = kPart;  // S3's minimum, so multipart starts at 5 MiB
        store_ = std::make_unique<S3ObjectStore>(options);
        static std::atomic<int> next{0};
        bucket_ = "s3-store-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
        ASSERT_TRUE(store_->create_bucket(bucket_).is_ok());
    }

    std::string get(const std::string& key) {
        auto reader = store_->get_object(bucket_, key, std::nullopt);
        if (!reader.is_ok()) return "error:" + reader.status().reason();
        auto data = read_all(*reader->body, size_t{1} << 30);
        return data.is_ok() ? *data : "error:" + data.status().reason();
    }

    void expect_no_uploads() {
        auto uploads = store_->list_multipart_uploads(bucket_, "");
        ASSERT_TRUE(uploads.is_ok());
        EXPECT_TRUE(uploads->empty()) << uploads->size() << " uploads left behind";
    }

    std::unique_ptr<S3ObjectStore> store_;
    std::string bucket_;
};

TEST_F(S3ObjectStoreTest, LargeBodyGoesUpInPartsAndReadsBackWhole) {
    std::string data = pattern(2 * kPart + 12345, 21);
    PutRequest request{bucket_, "large.bin"};
    request.attributes.content_type = "application/x-large";
    request.expected_md5 = md5_raw(data);
    ChunkySource body(data);
    auto info = store_->put_object(request, body);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->size, data.size());
    // Three parts: S3's multipart ETag, the MD5 of the parts' MD5s.
    std::string parts = md5_raw(data.substr(0, kPart)) + md5_raw(data.substr(kPart, kPart)) +
                        md5_raw(data.substr(2 * kPart));
    EXPECT_EQ(info->etag, to_hex(md5_raw(parts)) + "-3");
    EXPECT_EQ(get("large.bin"), data);
    EXPECT_EQ(store_->head_object(bucket_, "large.bin")->attributes.content_type,
              "application/x-large");
    expect_no_uploads();
}

TEST_F(S3ObjectStoreTest, BodyOfExactlyOnePartIsOnePut) {
    std::string data = pattern(kPart, 22);
    PutRequest request{bucket_, "one-part"};
    StringByteSource body(data);
    auto info = store_->put_object(request, body);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->etag, to_hex(md5_raw(data)));
}

TEST_F(S3ObjectStoreTest, FailedLargePutsLeaveNothingBehind) {
    ASSERT_TRUE(
        store_->put_object({bucket_, "keep"}, *std::make_unique<StringByteSource>("old")).is_ok());
    std::string data = pattern(kPart + kPart / 2, 23);

    PutRequest digest{bucket_, "keep"};
    digest.expected_md5 = md5_raw("something else");
    StringByteSource digest_body(data);
    EXPECT_EQ(store_->put_object(digest, digest_body).status().reason(), "BadDigest");

    PutRequest failing{bucket_, "keep"};
    ChunkySource failing_body(data, /*fail=*/true);
    auto failed = store_->put_object(failing, failing_body);
    EXPECT_EQ(failed.status().reason(), "ClientGone");  // the body's own error

    PutRequest limited{bucket_, "keep"};
    limited.max_size = kPart + 1000;
    CountingSource endless(64 * kPart);
    EXPECT_EQ(store_->put_object(limited, endless).status().reason(), "EntityTooLarge");
    EXPECT_LE(endless.bytes_read(), 2 * kPart + 1);  // stopped within a part of the limit

    PutRequest small{bucket_, "keep"};
    small.min_size = 2 * kPart;
    StringByteSource small_body(data);
    EXPECT_EQ(store_->put_object(small, small_body).status().reason(), "EntityTooSmall");

    EXPECT_EQ(get("keep"), "old");
    expect_no_uploads();
}

TEST_F(S3ObjectStoreTest, UploadPartSpoolsLargePartsToAFile) {
    auto id = store_->create_multipart_upload({bucket_, "spooled"});
    ASSERT_TRUE(id.is_ok());
    std::string data = pattern(kPart + 777, 24);  // over the in-memory part of the spool
    ChunkySource body(data);
    auto part = store_->upload_part(bucket_, "spooled", *id, 1, body, md5_raw(data));
    ASSERT_TRUE(part.is_ok()) << part.status().to_string();
    EXPECT_EQ(part->etag, to_hex(md5_raw(data)));
    EXPECT_EQ(part->size, data.size());
    ASSERT_TRUE(
        store_->complete_multipart_upload(bucket_, "spooled", *id, {{1, part->etag}}).is_ok());
    EXPECT_EQ(get("spooled"), data);
}

TEST_F(S3ObjectStoreTest, VirtualHostedStyleReachesTheSameObjects) {
    StringByteSource body("by path");
    ASSERT_TRUE(store_->put_object({bucket_, "dir/a b+c"}, body).is_ok());
    S3ClientOptions options = store_->options();
    options.host = "localhost";  // RGW's `rgw dns name`; BUCKET.localhost is loopback
    options.virtual_hosted = true;
    S3ObjectStore hosted(options);
    EXPECT_EQ(
        hosted.http().url_for({"GET", bucket_, "dir/a b+c"}),
        "http://" + bucket_ + ".localhost:" + std::to_string(options.port) + "/dir/a%20b%2Bc");
    auto reader = hosted.get_object(bucket_, "dir/a b+c", std::nullopt);
    ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
    EXPECT_EQ(*read_all(*reader->body, 100), "by path");
    StringByteSource again("by host");
    ASSERT_TRUE(hosted.put_object({bucket_, "hosted"}, again).is_ok());
    EXPECT_EQ(get("hosted"), "by host");
}

TEST_F(S3ObjectStoreTest, WrongSecretIsRefusedWithoutRetries) {
    S3ClientOptions options = store_->options();
    options.credentials.secret_key = "not-the-secret";
    std::atomic<int> sleeps{0};
    options.sleep = [&](std::chrono::milliseconds) { ++sleeps; };
    S3ObjectStore wrong(options);
    auto head = wrong.head_object(bucket_, "k");
    EXPECT_EQ(head.status().code(), StatusCode::kPermissionDenied) << head.status().to_string();
    auto list = wrong.list_objects({bucket_});
    EXPECT_EQ(list.status().reason(), "SignatureDoesNotMatch");
    EXPECT_EQ(list.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(sleeps.load(), 0);
}

TEST(S3ClientRetryTest, ConnectionRefusedIsRetriedWithBackoffThenUnavailable) {
    S3ClientOptions options;
    ASSERT_TRUE(parse_store_url("s3+http://127.0.0.1:1", options).is_ok());  // nothing listens
    options.credentials = {"AK", "SK", "us-east-1", "s3"};
    options.max_attempts = 4;
    std::vector<std::chrono::milliseconds> waits;
    options.sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
    S3ObjectStore store(options);
    auto result = store.list_buckets();
    EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(result.status().reason(), "ServiceUnavailable");
    ASSERT_EQ(waits.size(), 3u);  // between four attempts
    for (size_t i = 0; i < waits.size(); ++i) {
        EXPECT_LE(waits[i], options.backoff_base * (1 << i)) << i;
    }
}

TEST(S3StoreUrlTest, ParsesSchemesHostsAndPorts) {
    S3ClientOptions o;
    ASSERT_TRUE(parse_store_url("s3+http://127.0.0.1:7480", o).is_ok());
    EXPECT_EQ(o.scheme, "http");
    EXPECT_EQ(o.host, "127.0.0.1");
    EXPECT_EQ(o.port, 7480);
    EXPECT_EQ(o.authority(), "127.0.0.1:7480");
    ASSERT_TRUE(parse_store_url("s3+https://s3.example.com/", o).is_ok());
    EXPECT_EQ(o.port, 443);
    EXPECT_EQ(o.authority(), "s3.example.com");
    ASSERT_TRUE(parse_store_url("s3+http://[::1]:9000", o).is_ok());
    EXPECT_EQ(o.host, "::1");
    EXPECT_EQ(o.authority(), "[::1]:9000");
    for (const char* bad :
         {"http://h", "s3+ftp://h", "s3+http://", "s3+http://h:0", "s3+http://h:99999",
          "s3+http://h/path", "s3+http://u@h", "s3+http://h:", "s3+http://h:12x"}) {
        EXPECT_EQ(parse_store_url(bad, o).reason(), "InvalidStoreUrl") << bad;
    }
}

TEST(S3HeaderCodecTest, PlainValuesTravelAsIsOthersEncodedAndBack) {
    EXPECT_EQ(encode_header_value("max-age=60"), "max-age=60");
    EXPECT_EQ(encode_header_value("caf\xC3\xA9"), "=?UTF-8?B?Y2Fmw6k=?=");
    for (const std::string& v : {std::string("\x80\xFF\x00z", 4), std::string(" edge "),
                                 std::string("=?UTF-8?B?looks encoded?="), std::string("tab\t"),
                                 std::string("Latin \xE9"), std::string("")}) {
        EXPECT_EQ(decode_header_value(encode_header_value(v)), v);
    }
    // A service (AWS) encoding non-ASCII metadata itself, in lower case.
    EXPECT_EQ(decode_header_value("=?utf-8?b?Y2Fmw6k=?="), "caf\xC3\xA9");
    EXPECT_EQ(decode_header_value("=?UTF-8?Q?x?="), "=?UTF-8?Q?x?=");
}

TEST(S3ErrorsTest, ErrorBodiesAndBareStatusesMapToThePortsReasons) {
    Status s = s3_error(
        404, "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>m</Message></Error>",
        "tx1");
    EXPECT_EQ(s.reason(), "NoSuchBucket");
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    EXPECT_NE(s.message().find("tx1"), std::string::npos);
    EXPECT_EQ(s3_error(404, "", "").reason(), "NoSuchKey");
    EXPECT_EQ(s3_error(412, "", "").code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(s3_error(503, "<Error><Code>SlowDown</Code></Error>", "").code(),
              StatusCode::kUnavailable);
    EXPECT_TRUE(is_retryable(503, "SlowDown"));
    EXPECT_TRUE(is_retryable(400, "RequestTimeout"));
    EXPECT_TRUE(is_retryable(500, "Whatever"));
    EXPECT_FALSE(is_retryable(404, "NoSuchKey"));
    EXPECT_FALSE(is_retryable(403, "AccessDenied"));
}

TEST(S3XmlTest, ListingsDecodeUrlEncodedKeysAndFindTheLastEntry) {
    auto result = parse_list_objects(
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        "<Contents><Key>a+b%2Bc%09</Key><Size>3</Size><ETag>&quot;abc&quot;</ETag>"
        "<LastModified>2026-12-05T11:31:43.285Z</LastModified></Contents>"
        "<CommonPrefixes><Prefix>z/</Prefix></CommonPrefixes></ListBucketResult>",
        "bkt");
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    ASSERT_EQ(result->objects.size(), 1u);
    EXPECT_EQ(result->objects[0].key, "a b+c\t");
    EXPECT_EQ(result->objects[0].etag, "abc");
    EXPECT_EQ(result->objects[0].last_modified,
              std::chrono::system_clock::from_time_t(1796470303) + std::chrono::milliseconds(285));
    EXPECT_EQ(result->common_prefixes, std::vector<std::string>{"z/"});
    EXPECT_EQ(result->next_start_after, "z/");
    EXPECT_TRUE(result->is_truncated);
    EXPECT_EQ(parse_list_objects("<Error/>", "b").status().reason(), "InvalidResponse");
    EXPECT_EQ(parse_list_objects("not xml", "b").status().reason(), "InvalidResponse");
}

TEST(S3XmlTest, AnErrorInsideA200IsTheWritesError) {
    auto result = parse_write_result("<Error><Code>InternalError</Code></Error>", 200);
    EXPECT_EQ(result.status().reason(), "InternalError");
    EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
    auto ok = parse_write_result(
        "<CopyObjectResult><ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag></CopyObjectResult>",
        200);
    ASSERT_TRUE(ok.is_ok());
    EXPECT_EQ(ok->etag, "d41d8cd98f00b204e9800998ecf8427e");
}

}  // namespace
}  // namespace imgpipe::store::s3
