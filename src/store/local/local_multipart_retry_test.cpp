// LocalObjectStore's CompleteMultipartUpload beyond the join: a retried completion answers the
// object it made (for completed_upload_retention), and If-None-Match / If-Match decide the
// completion atomically with its commit (PreconditionFailed before joining,
// ConditionalRequestConflict when another write lands while the parts are joined).

#include <gtest/gtest.h>

#include "core/clock.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::TempDir;

class LocalMultipartRetryTest : public ::testing::Test {
  protected:
    void SetUp() override {
        LocalStoreOptions options;
        options.completed_upload_retention = std::chrono::hours(6);
        auto store = LocalObjectStore::open(dir_.path() + "/data", posix_file_system(), clock_,
                                            std::move(options));
        ASSERT_TRUE(store.is_ok()) << store.status().to_string();
        store_ = std::move(store).value();
        ASSERT_TRUE(store_->create_bucket("bkt").is_ok());
    }

    // A new upload of `key` with one part holding `data`; returns its id and the part's ETag.
    std::pair<std::string, std::string> upload(const std::string& key, const std::string& data) {
        auto id = store_->create_multipart_upload({"bkt", key});
        EXPECT_TRUE(id.is_ok());
        StringByteSource body(data);
        auto part = store_->upload_part("bkt", key, *id, 1, body, std::nullopt);
        EXPECT_TRUE(part.is_ok());
        return {*id, part->etag};
    }

    Result<ObjectInfo> complete(const std::string& key, const std::string& id,
                                const std::string& etag, WriteCondition condition = {}) {
        IMGPIPE_ASSIGN_OR_RETURN(
            auto completion,
            store_->start_complete({"bkt", key, id, {{1, etag}}, std::move(condition)}));
        for (;;) {
            if (auto done = completion->run_for(std::chrono::hours(1))) return std::move(*done);
        }
    }

    std::string put(const std::string& key, const std::string& data) {
        StringByteSource body(data);
        auto info = store_->put_object({"bkt", key}, body);
        EXPECT_TRUE(info.is_ok());
        return info.is_ok() ? info->etag : "";
    }

    bool upload_exists(const std::string& key, const std::string& id) {
        return store_->list_parts("bkt", key, id, 0, 10).is_ok();
    }

    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalMultipartRetryTest, RetriedCompletionAnswersTheSameObjectForAWhile) {
    auto [id, etag] = upload("k", "the only part");
    auto first = complete("k", id, etag);
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();

    clock_.advance(std::chrono::hours(1));
    auto retry = complete("k", id, "\"" + etag + "\"");  // quoted this time
    ASSERT_TRUE(retry.is_ok()) << retry.status().to_string();
    EXPECT_EQ(retry->etag, first->etag);
    EXPECT_EQ(retry->size, first->size);
    EXPECT_EQ(retry->key, "k");
    // Another part list is not a retry of that completion.
    EXPECT_EQ(complete("k", id, std::string(32, '0')).status().reason(), "NoSuchUpload");
    // Nor is the same upload id for another key.
    EXPECT_EQ(complete("other", id, etag).status().reason(), "NoSuchUpload");

    clock_.advance(std::chrono::hours(6));
    EXPECT_EQ(complete("k", id, etag).status().reason(), "NoSuchUpload");
}

TEST_F(LocalMultipartRetryTest, RetriedCompletionAnswersTheObjectsChecksum) {
    auto [id, etag] = upload("k", "the only part");
    const ObjectChecksum sum{"CRC32", "AAAAAA==-1", "COMPOSITE"};
    auto completion = store_->start_complete({"bkt", "k", id, {{1, etag}}, {}, sum});
    ASSERT_TRUE(completion.is_ok());
    std::optional<Result<ObjectInfo>> first;
    while (!(first = (*completion)->run_for(std::chrono::hours(1)))) {
    }
    ASSERT_TRUE(first->is_ok());
    auto retry = complete("k", id, etag);  // a retry's request carries no checksum
    ASSERT_TRUE(retry.is_ok()) << retry.status().to_string();
    EXPECT_EQ(retry->checksum, sum);
    // Once the key holds another object, the retry still names the one it made, without a sum.
    put("k", "replaced");
    auto later = complete("k", id, etag);
    ASSERT_TRUE(later.is_ok());
    EXPECT_EQ(later->etag, first->value().etag);
    EXPECT_EQ(later->checksum, std::nullopt);
}

TEST_F(LocalMultipartRetryTest, RetryIsAnsweredEvenWhenItsConditionNoLongerHolds) {
    auto [id, etag] = upload("k", "data");
    WriteCondition if_absent{.if_none_match = true};
    ASSERT_TRUE(complete("k", id, etag, if_absent).is_ok());
    // The key now has an object (the one this upload made): the retry still succeeds.
    auto retry = complete("k", id, etag, if_absent);
    EXPECT_TRUE(retry.is_ok()) << retry.status().to_string();
}

TEST_F(LocalMultipartRetryTest, FailedConditionsKeepTheUpload) {
    const std::string current = put("k", "existing");
    auto [id, etag] = upload("k", "new data");

    auto absent = complete("k", id, etag, {.if_none_match = true});
    EXPECT_EQ(absent.status().reason(), "PreconditionFailed");
    auto other = complete("k", id, etag, {.if_match = std::string(32, 'f')});
    EXPECT_EQ(other.status().reason(), "PreconditionFailed");
    EXPECT_TRUE(upload_exists("k", id));
    auto [id2, etag2] = upload("missing", "x");
    EXPECT_EQ(complete("missing", id2, etag2, {.if_match = current}).status().reason(),
              "NoSuchKey");

    auto matched = complete("k", id, etag, {.if_match = current});
    ASSERT_TRUE(matched.is_ok()) << matched.status().to_string();
    EXPECT_EQ(testing::read_object(*store_, "bkt", "k"), "new data");
}

TEST_F(LocalMultipartRetryTest, WriteLandingWhileJoiningIsAConflict) {
    auto [id, etag] = upload("k", "joined");
    auto completion =
        store_->start_complete({"bkt", "k", id, {{1, etag}}, {.if_none_match = true}});
    ASSERT_TRUE(completion.is_ok()) << completion.status().to_string();
    // The first slice only begins the work (a zero budget still takes one step).
    ASSERT_FALSE((*completion)->run_for(std::chrono::milliseconds(0)).has_value());
    put("k", "written meanwhile");
    std::optional<Result<ObjectInfo>> done;
    while (!(done = (*completion)->run_for(std::chrono::hours(1)))) {
    }
    EXPECT_EQ(done->status().reason(), "ConditionalRequestConflict");
    EXPECT_EQ(done->status().code(), StatusCode::kAborted);
    EXPECT_EQ(testing::read_object(*store_, "bkt", "k"), "written meanwhile");
    EXPECT_TRUE(upload_exists("k", id));
}

}  // namespace
}  // namespace imgpipe::store
