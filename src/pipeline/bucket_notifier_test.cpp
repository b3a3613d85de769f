// BucketNotifier behind an OutboxRelay on a real local store: what the s3 role sends to its
// --notify-url targets. A real HTTP receiver (the project's server) takes the POSTs; what it got
// is read back with the same parser the api's POST /events/s3 uses.

#include "pipeline/bucket_notifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "core/clock.h"
#include "pipeline/s3_event.h"
#include "pipeline/webhook_test_receiver.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"
#include "temp_dir.h"

namespace imgpipe::pipeline {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

class BucketNotifierTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::testing::open_store(dir_.path() + "/data");
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
        ASSERT_TRUE(store_->create_bucket("resized").is_ok());
        ASSERT_TRUE(receiver_.start().is_ok());
        WebhookOptions options;
        options.urls = {receiver_.url()};
        options.bearer_token = "ingress-token";
        options.initial_backoff = 1s;  // fake seconds: a retry only when the test moves the clock
        auto d = WebhookDispatcher::open(dir_.path() + "/notifications.db", options, clock_);
        ASSERT_TRUE(d.is_ok()) << d.status().to_string();
        dispatcher_ = std::move(*d);
        notifier_ =
            std::make_unique<BucketNotifier>(*dispatcher_, std::set<std::string>{"uploads"});
        relay_ = std::make_unique<OutboxRelay>(*store_, *notifier_, "eu-west-1");
    }
    void TearDown() override {
        if (dispatcher_) dispatcher_->stop();
    }

    store::ObjectInfo put(const std::string& bucket, const std::string& key,
                          const std::string& bytes) {
        store::PutRequest request{bucket, key};
        request.created_by = store::CreatedBy::kPost;
        StringByteSource body(bytes);
        auto info = store_->put_object(request, body);
        EXPECT_TRUE(info.is_ok()) << info.status().to_string();
        return info.is_ok() ? *info : store::ObjectInfo{};
    }

    // Every record received, in arrival order, with the Authorization header of its POST.
    std::vector<std::pair<S3EventRecord, std::string>> records() {
        std::vector<std::pair<S3EventRecord, std::string>> out;
        for (const auto& got : receiver_.received()) {
            auto parsed = parse_s3_event(got.body);
            EXPECT_TRUE(parsed.is_ok()) << got.body;
            if (!parsed.is_ok()) continue;
            EXPECT_EQ(parsed->size(), 1u) << "one record per POST: " << got.body;
            for (auto& r : *parsed) out.emplace_back(r, got.headers.get_or("Authorization", ""));
        }
        return out;
    }

    TempDir dir_;
    FakeClock clock_;
    WebhookReceiver receiver_;
    std::unique_ptr<store::LocalObjectStore> store_;
    std::unique_ptr<WebhookDispatcher> dispatcher_;
    std::unique_ptr<BucketNotifier> notifier_;
    std::unique_ptr<OutboxRelay> relay_;
};

TEST_F(BucketNotifierTest, PostsOneRecordPerObjectCreatedInTheSourceBucketWithTheToken) {
    auto first = put("uploads", "uploads/a b+c.jpg", "first");
    put("resized", "resized-100x100/uploads/a b+c.jpg", "a variant");  // not notified
    auto second = put("uploads", "uploads/second.jpg", "second!");
    ASSERT_TRUE(store_->delete_object("uploads", "uploads/second.jpg").is_ok());  // not either

    auto moved = relay_->relay_once(/*sync=*/true);
    ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
    EXPECT_EQ(*moved, 4);
    // Committed to the notifications' own outbox before the store forgot the events.
    EXPECT_EQ(*dispatcher_->pending(), 2);
    EXPECT_TRUE(store_->read_events(0, 10)->empty());

    dispatcher_->start();
    ASSERT_TRUE(eventually([&] { return *dispatcher_->pending() == 0; }));
    auto got = records();
    ASSERT_EQ(got.size(), 2u);
    std::sort(got.begin(), got.end(),
              [](const auto& a, const auto& b) { return a.first.sequencer < b.first.sequencer; });
    const std::pair<store::ObjectInfo, std::string> expected[] = {{first, "uploads/a b+c.jpg"},
                                                                  {second, "uploads/second.jpg"}};
    for (size_t i = 0; i < 2; ++i) {
        const auto& [record, authorization] = got[i];
        EXPECT_EQ(authorization, "Bearer ingress-token");
        EXPECT_EQ(record.event_name, "ObjectCreated:Post");
        EXPECT_EQ(record.region, "eu-west-1");
        EXPECT_EQ(record.bucket, "uploads");
        EXPECT_EQ(record.key, expected[i].second);
        EXPECT_EQ(record.size, expected[i].first.size);
        EXPECT_EQ(record.etag, expected[i].first.etag);
        EXPECT_FALSE(record.sequencer.empty());
    }
    EXPECT_LT(got[0].first.sequencer, got[1].first.sequencer);
}

TEST_F(BucketNotifierTest, AnEndpointThatFailsGetsTheRecordAgainUntilItTakesIt) {
    receiver_.respond([](const ReceivedWebhook&, int arrival) { return arrival == 1 ? 503 : 200; });
    put("uploads", "uploads/x.jpg", "x");
    ASSERT_TRUE(relay_->relay_once(/*sync=*/true).is_ok());
    dispatcher_->start();
    ASSERT_TRUE(eventually([&] { return receiver_.received().size() == 1; }));
    EXPECT_EQ(*dispatcher_->pending(), 1) << "kept after the 503";
    // The clock moves on until the backoff has passed and the second attempt is taken.
    ASSERT_TRUE(eventually([&] {
        clock_.advance(10s);
        return *dispatcher_->pending() == 0;
    }));
    auto got = records();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].first.sequencer, got[1].first.sequencer) << "the same record both times";
}

}  // namespace
}  // namespace imgpipe::pipeline
