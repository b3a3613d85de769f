#pragma once
// ObjectStore contract: buckets, single objects, copy, limits and failing bodies.
// Part of the suite in object_store_contract.h.

#include <atomic>
#include <thread>

#include "store/object_store_contract_fixture.h"

namespace imgpipe::store {

using contract::ChunkySource;
using contract::CountingSource;
using contract::md5_raw;
using contract::pattern;

TEST_P(ObjectStoreContractTest, BucketLifecycle) {
    std::string other = harness_->bucket_name("contract-other");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    auto info = store().head_bucket(other);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->name, other);

    Status again = store().create_bucket(other);
    EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(again.reason(), "BucketAlreadyOwnedByYou");

    PutRequest request{other, "k"};
    StringByteSource body("x");
    ASSERT_TRUE(store().put_object(request, body).is_ok());
    Status not_empty = store().delete_bucket(other);
    EXPECT_EQ(not_empty.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(not_empty.reason(), "BucketNotEmpty");

    ASSERT_TRUE(store().delete_object(other, "k").is_ok());
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
    EXPECT_EQ(store().head_bucket(other).status().reason(), "NoSuchBucket");
    EXPECT_EQ(store().delete_bucket(other).reason(), "NoSuchBucket");
}

TEST_P(ObjectStoreContractTest, BucketCorsIsKeptWithTheBucketAndGoesWithIt) {
    std::string other = harness_->bucket_name("contract-cors");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    EXPECT_EQ(*store().get_bucket_cors(other), "");
    // As the S3 endpoint renders a configuration (s3/cors.h), the form every store returns.
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>"
        "<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>"
        "</CORSConfiguration>";
    ASSERT_TRUE(store().put_bucket_cors(other, xml).is_ok());
    EXPECT_EQ(*store().get_bucket_cors(other), xml);
    ASSERT_TRUE(store().put_bucket_cors(other, "").is_ok());
    EXPECT_EQ(*store().get_bucket_cors(other), "");

    ASSERT_TRUE(store().put_bucket_cors(other, xml).is_ok());
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
    EXPECT_EQ(store().get_bucket_cors(other).status().reason(), "NoSuchBucket");
    EXPECT_EQ(store().put_bucket_cors(other, xml).reason(), "NoSuchBucket");
    ASSERT_TRUE(store().create_bucket(other).is_ok());
    EXPECT_EQ(*store().get_bucket_cors(other), "") << "a new bucket of the same name starts bare";
    ASSERT_TRUE(store().delete_bucket(other).is_ok());
}

TEST_P(ObjectStoreContractTest, InvalidBucketNamesAreRejected) {
    const std::vector<std::string> names = {"ab",        "Upper-Case",        "under_score",
                                            "-leading",  "trailing-",         "192.168.0.1",
                                            "two..dots", std::string(64, 'a')};
    for (const auto& name : names) {
        Status s = store().create_bucket(name);
        EXPECT_EQ(s.reason(), "InvalidBucketName") << name;
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    }
}

TEST_P(ObjectStoreContractTest, ListBucketsIsSortedByName) {
    std::string b = harness_->bucket_name("contract-b");
    std::string a = harness_->bucket_name("contract-a");
    ASSERT_TRUE(store().create_bucket(b).is_ok());
    ASSERT_TRUE(store().create_bucket(a).is_ok());
    auto buckets = store().list_buckets();
    ASSERT_TRUE(buckets.is_ok());
    std::vector<std::string> names;
    for (auto& info : *buckets) names.push_back(info.name);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const auto& want : {a, b, bucket()}) {
        EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
    }
}

TEST_P(ObjectStoreContractTest, PutThenGetReturnsSameBytesAndAttributes) {
    std::string data = pattern(3 * 1024 * 1024 + 17);  // spans several I/O buffers
    ObjectAttributes attributes;
    attributes.content_type = "image/jpeg";
    attributes.metadata = {{"variants", "400x400,200x200"}, {"owner", "a b"}};
    attributes.headers = {{"cache-control", "max-age=60"}};
    auto put_info = put("photos/cat.jpg", data, attributes);
    ASSERT_TRUE(put_info.is_ok()) << put_info.status().to_string();
    EXPECT_EQ(put_info->size, data.size());
    EXPECT_EQ(put_info->etag, to_hex(md5_raw(data)));

    auto head = store().head_object(bucket(), "photos/cat.jpg");
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->bucket, bucket());
    EXPECT_EQ(head->key, "photos/cat.jpg");
    EXPECT_EQ(head->size, data.size());
    EXPECT_EQ(head->etag, put_info->etag);
    EXPECT_EQ(head->attributes.content_type, "image/jpeg");
    EXPECT_EQ(head->attributes.metadata, attributes.metadata);
    EXPECT_EQ(head->attributes.headers, attributes.headers);
    EXPECT_EQ(get("photos/cat.jpg"), data);
}

TEST_P(ObjectStoreContractTest, MetadataValuesComeBackByteForByte) {
    // UTF-8, Latin-1 (what Python's http.client sends for a str header) and stray bytes.
    ObjectAttributes attributes;
    attributes.metadata = {{"utf8", "Hello World\xC3\xA9"},
                           {"latin1", "Hello World\xE9"},
                           {"bytes", std::string("\x80\xFF\x00z", 4)}};
    attributes.headers = {{"content-disposition", "attachment; filename=\"\xE9t\xE9.jpg\""}};
    ASSERT_TRUE(put("meta", "x", attributes).is_ok());
    auto head = store().head_object(bucket(), "meta");
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->attributes.metadata, attributes.metadata);
    EXPECT_EQ(head->attributes.headers, attributes.headers);
}

TEST_P(ObjectStoreContractTest, EmptyObjectRoundTrips) {
    auto info = put("empty", "");
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(info->size, 0u);
    EXPECT_EQ(info->etag, "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(get("empty"), "");
}

TEST_P(ObjectStoreContractTest, RangeGetReturnsOnlyThoseBytes) {
    std::string data = pattern(2 * 1024 * 1024 + 5, 3);
    ASSERT_TRUE(put("r", data).is_ok());
    EXPECT_EQ(get("r", ByteRange{0, 0}), data.substr(0, 1));
    EXPECT_EQ(get("r", ByteRange{100, 1024 * 1024 + 99}), data.substr(100, 1024 * 1024));
    EXPECT_EQ(get("r", ByteRange{data.size() - 1, data.size() - 1}), data.substr(data.size() - 1));
    EXPECT_EQ(get("r", ByteRange{0, data.size() - 1}), data);
    auto reader = store().get_object(bucket(), "r", ByteRange{10, 19});
    ASSERT_TRUE(reader.is_ok());
    EXPECT_EQ(reader->info.size, data.size());  // info describes the whole object
}

TEST_P(ObjectStoreContractTest, MissingBucketAndKeyAreReported) {
    std::string missing = harness_->bucket_name("contract-missing");
    EXPECT_EQ(store().head_object(missing, "k").status().reason(), "NoSuchBucket");
    EXPECT_EQ(store().get_object(missing, "k", std::nullopt).status().reason(), "NoSuchBucket");
    EXPECT_EQ(store().delete_object(missing, "k").reason(), "NoSuchBucket");
    EXPECT_EQ(store().list_objects({missing}).status().reason(), "NoSuchBucket");
    PutRequest request{missing, "k"};
    StringByteSource body("data");
    EXPECT_EQ(store().put_object(request, body).status().reason(), "NoSuchBucket");

    auto head = store().head_object(bucket(), "nope");
    EXPECT_EQ(head.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(head.status().reason(), "NoSuchKey");
    EXPECT_EQ(get("nope"), "error:NoSuchKey");
    EXPECT_TRUE(store().delete_object(bucket(), "nope").is_ok());  // S3: deleting nothing is ok
}

TEST_P(ObjectStoreContractTest, DeleteRemovesObject) {
    ASSERT_TRUE(put("d", "bytes").is_ok());
    ASSERT_TRUE(store().delete_object(bucket(), "d").is_ok());
    EXPECT_EQ(head_reason("d"), "NoSuchKey");
    EXPECT_TRUE(list_all("", "", 1000).empty());
}

TEST_P(ObjectStoreContractTest, OverwriteReplacesBytesAndAttributes) {
    ObjectAttributes first;
    first.content_type = "text/plain";
    first.metadata = {{"v", "1"}};
    ASSERT_TRUE(put("o", "first version", first).is_ok());
    ObjectAttributes second;
    second.content_type = "image/png";
    auto info = put("o", "second", second);
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(get("o"), "second");
    auto head = store().head_object(bucket(), "o");
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->size, 6u);
    EXPECT_EQ(head->attributes.content_type, "image/png");
    EXPECT_TRUE(head->attributes.metadata.empty());
    EXPECT_EQ(list_all("", "", 1000), std::vector<std::string>{"o"});
}

TEST_P(ObjectStoreContractTest, AwkwardKeysRoundTrip) {
    std::vector<std::string> keys = {"with space",
                                     "a+b",
                                     "100%",
                                     "%2F",
                                     "a//b",
                                     "../x",
                                     "..",
                                     "./a/../b",
                                     "/leading",
                                     "trail/",
                                     "\xc3\xa9t\xc3\xa9",
                                     "tab\there",
                                     "q?x=1&y=2",
                                     "#hash",
                                     "back\\slash"};
    for (const auto& key : keys) {
        ASSERT_TRUE(put(key, "v:" + key).is_ok()) << key;
    }
    for (const auto& key : keys) EXPECT_EQ(get(key), "v:" + key) << key;
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(list_all("", "", 1000), keys);
}

TEST_P(ObjectStoreContractTest, KeyLengthIsLimitedTo1024Bytes) {
    EXPECT_TRUE(put(std::string(1024, 'k'), "ok").is_ok());
    auto too_long = put(std::string(1025, 'k'), "no");
    EXPECT_EQ(too_long.status().reason(), "KeyTooLongError");
    EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreContractTest, CopyObjectCopiesBytesWithGivenAttributes) {
    std::string data = pattern(1500 * 1024, 9);
    ObjectAttributes original;
    original.content_type = "image/jpeg";
    original.metadata = {{"a", "1"}};
    ASSERT_TRUE(put("src", data, original).is_ok());
    PutRequest dest{bucket(), "dst"};
    dest.attributes.content_type = "image/webp";
    dest.attributes.metadata = {{"b", "2"}};
    auto copied = store().copy_object(bucket(), "src", dest);
    ASSERT_TRUE(copied.is_ok()) << copied.status().to_string();
    EXPECT_EQ(copied->size, data.size());
    EXPECT_EQ(copied->etag, to_hex(md5_raw(data)));
    EXPECT_EQ(get("dst"), data);
    auto head = store().head_object(bucket(), "dst");
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head->attributes.content_type, "image/webp");
    EXPECT_EQ(head->attributes.metadata, dest.attributes.metadata);
    EXPECT_EQ(get("src"), data);  // the source is untouched

    // Onto itself: the way S3 clients replace metadata.
    PutRequest self{bucket(), "src"};
    self.attributes.content_type = "text/plain";
    ASSERT_TRUE(store().copy_object(bucket(), "src", self).is_ok());
    EXPECT_EQ(get("src"), data);
    EXPECT_EQ(store().head_object(bucket(), "src")->attributes.content_type, "text/plain");
}

TEST_P(ObjectStoreContractTest, CopyFromMissingSourceFails) {
    PutRequest dest{bucket(), "dst"};
    EXPECT_EQ(store().copy_object(bucket(), "missing", dest).status().reason(), "NoSuchKey");
    EXPECT_EQ(
        store().copy_object(harness_->bucket_name("contract-missing"), "k", dest).status().reason(),
        "NoSuchBucket");
    ASSERT_TRUE(put("src", "x").is_ok());
    PutRequest nowhere{harness_->bucket_name("contract-missing"), "dst"};
    EXPECT_EQ(store().copy_object(bucket(), "src", nowhere).status().reason(), "NoSuchBucket");
    EXPECT_EQ(head_reason("dst"), "NoSuchKey");
}

TEST_P(ObjectStoreContractTest, PutOverMaxSizeStopsReadingEarly) {
    ASSERT_TRUE(put("big", "old").is_ok());
    PutRequest request{bucket(), "big"};
    request.max_size = 1024 * 1024;
    CountingSource body(64 * 1024 * 1024);
    auto result = store().put_object(request, body);
    EXPECT_EQ(result.status().reason(), "EntityTooLarge");
    EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
    // Stopped near the limit, not after draining 64 MiB.
    EXPECT_LE(body.bytes_read(), 2u * 1024 * 1024);
    EXPECT_GT(body.bytes_read(), request.max_size);
    EXPECT_EQ(get("big"), "old");
}

TEST_P(ObjectStoreContractTest, SizeLimitsAreInclusive) {
    PutRequest request{bucket(), "exact"};
    request.min_size = 10;
    request.max_size = 10;
    CountingSource exact(10);
    EXPECT_TRUE(store().put_object(request, exact).is_ok());
    request.key = "small";
    CountingSource small(9);
    auto result = store().put_object(request, small);
    EXPECT_EQ(result.status().reason(), "EntityTooSmall");
    EXPECT_EQ(head_reason("small"), "NoSuchKey");
}

TEST_P(ObjectStoreContractTest, BadDigestStoresNothing) {
    PutRequest request{bucket(), "digest"};
    request.expected_md5 = md5_raw("something else");
    StringByteSource body("the body");
    auto result = store().put_object(request, body);
    EXPECT_EQ(result.status().reason(), "BadDigest");
    EXPECT_EQ(head_reason("digest"), "NoSuchKey");

    request.expected_md5 = md5_raw("the body");
    StringByteSource good("the body");
    EXPECT_TRUE(store().put_object(request, good).is_ok());
    EXPECT_EQ(get("digest"), "the body");
}

TEST_P(ObjectStoreContractTest, BodyFailingMidStreamLeavesOldObject) {
    ASSERT_TRUE(put("f", "old bytes").is_ok());
    PutRequest request{bucket(), "f"};
    ChunkySource body(pattern(300 * 1024), /*fail=*/true);
    auto result = store().put_object(request, body);
    EXPECT_EQ(result.status().code(), StatusCode::kAborted);
    EXPECT_EQ(result.status().reason(), "ClientGone");  // the source's error, unchanged
    EXPECT_EQ(get("f"), "old bytes");

    request.key = "never";
    ChunkySource fresh(pattern(1000), /*fail=*/true);
    EXPECT_FALSE(store().put_object(request, fresh).is_ok());
    EXPECT_EQ(head_reason("never"), "NoSuchKey");
}

TEST_P(ObjectStoreContractTest, DribblingBodyIsStoredWhole) {
    std::string data = pattern(200 * 1024, 5);
    PutRequest request{bucket(), "dribble"};
    ChunkySource body(data);
    ASSERT_TRUE(store().put_object(request, body).is_ok());
    EXPECT_EQ(get("dribble"), data);
}

TEST_P(ObjectStoreContractTest, ConditionalWritesHoldOrStoreNothing) {
    PutRequest create{bucket(), "cond"};
    create.condition.if_none_match = true;
    StringByteSource first("first");
    auto made = store().put_object(create, first);
    ASSERT_TRUE(made.is_ok()) << made.status().to_string();
    StringByteSource second("second");
    auto again = store().put_object(create, second);
    EXPECT_EQ(again.status().reason(), "PreconditionFailed");
    EXPECT_EQ(get("cond"), "first");

    PutRequest update{bucket(), "cond"};
    update.condition.if_match = "0123456789abcdef0123456789abcdef";
    StringByteSource stale("stale");
    EXPECT_EQ(store().put_object(update, stale).status().reason(), "PreconditionFailed");
    update.condition.if_match = made->etag;
    StringByteSource fresh("fresh");
    ASSERT_TRUE(store().put_object(update, fresh).is_ok());
    EXPECT_EQ(get("cond"), "fresh");

    PutRequest missing{bucket(), "cond-missing"};
    missing.condition.if_match = made->etag;
    StringByteSource body("x");
    EXPECT_EQ(store().put_object(missing, body).status().reason(), "NoSuchKey");
    EXPECT_EQ(head_reason("cond-missing"), "NoSuchKey");
}

TEST_P(ObjectStoreContractTest, ConcurrentCreateOnlyPutsHaveOneWinner) {
    // Two writers coordinating through the bucket: exactly one If-None-Match put succeeds.
    constexpr int kWriters = 8;
    std::vector<std::thread> writers;
    writers.reserve(kWriters);
    std::atomic<int> won{0};
    std::atomic<int> refused{0};
    for (int i = 0; i < kWriters; ++i) {
        writers.emplace_back([&, i] {
            PutRequest request{bucket(), "lock"};
            request.condition.if_none_match = true;
            StringByteSource body(pattern(i % 2 == 0 ? 100 : 300 * 1024, i));
            auto r = store().put_object(request, body);
            if (r.is_ok()) ++won;
            if (r.status().reason() == "PreconditionFailed") ++refused;
        });
    }
    for (auto& w : writers) w.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(refused.load(), kWriters - 1);
}

TEST_P(ObjectStoreContractTest, PutObjectsStoresEachOnItsOwn) {
    // Small and large bodies side by side, and two that must fail without taking the others.
    const std::vector<std::string> data = {"small", pattern(3 * 1024 * 1024 + 1, 7), "", "x"};
    std::vector<PutRequest> requests = {{bucket(), "batch/small"},
                                        {bucket(), "batch/large"},
                                        {harness_->bucket_name("no-such-bucket"), "batch/lost"},
                                        {bucket(), "batch/digest"}};
    requests[3].expected_md5 = md5_raw("not x");
    std::vector<StringByteSource> bodies(data.begin(), data.end());
    std::vector<ByteSource*> body_ptrs;
    body_ptrs.reserve(bodies.size());
    for (auto& b : bodies) body_ptrs.push_back(&b);

    auto results = store().put_objects(requests, body_ptrs);
    ASSERT_EQ(results.size(), 4u);
    ASSERT_TRUE(results[0].is_ok()) << results[0].status().to_string();
    ASSERT_TRUE(results[1].is_ok()) << results[1].status().to_string();
    EXPECT_EQ(results[0]->etag, to_hex(md5_raw(data[0])));
    EXPECT_EQ(results[1]->size, data[1].size());
    EXPECT_EQ(results[2].status().reason(), "NoSuchBucket");
    EXPECT_EQ(results[3].status().reason(), "BadDigest");
    EXPECT_EQ(get("batch/small"), data[0]);
    EXPECT_EQ(get("batch/large"), data[1]);
    EXPECT_EQ(head_reason("batch/digest"), "NoSuchKey");
}

}  // namespace imgpipe::store
