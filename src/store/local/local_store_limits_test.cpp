// LocalObjectStore under hostile load: below the free-space watermark new uploads are refused
// (reads go on), and multipart uploads abandoned past their age are aborted with their parts.

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/fault_injecting_file_system.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"

namespace imgpipe::store {
namespace {

using testing::files_under;
using testing::put_string;
using testing::read_object;
using testing::TempDir;

class LocalStoreLimitsTest : public ::testing::Test {
  protected:
    void open(LocalStoreOptions options) {
        store_.reset();
        auto store = LocalObjectStore::open(data(), fs_, clock_, std::move(options));
        ASSERT_TRUE(store.is_ok()) << store.status().to_string();
        store_ = std::move(store).value();
        (void)store_->create_bucket("bkt");
    }
    std::string data() const { return dir_.path() + "/data"; }

    TempDir dir_;
    FaultInjectingFileSystem fs_{posix_file_system()};
    FakeClock clock_;
    std::unique_ptr<LocalObjectStore> store_;
};

TEST_F(LocalStoreLimitsTest, UploadsAreRefusedBelowTheFreeSpaceWatermark) {
    open({.min_free_bytes = 1 << 20});
    ASSERT_TRUE(put_string(*store_, "bkt", "kept", "old bytes").is_ok());
    auto upload = store_->create_multipart_upload({"bkt", "big"});
    ASSERT_TRUE(upload.is_ok());
    StringByteSource part_body("part one");
    auto part = store_->upload_part("bkt", "big", *upload, 1, part_body, std::nullopt);
    ASSERT_TRUE(part.is_ok());

    fs_.set_available_bytes((1 << 20) - 1);
    auto put = put_string(*store_, "bkt", "new", "new bytes");
    EXPECT_EQ(put.status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(put.status().reason(), "DiskFull");
    StringByteSource body("part two");
    EXPECT_EQ(store_->upload_part("bkt", "big", *upload, 2, body, std::nullopt).status().reason(),
              "DiskFull");
    EXPECT_EQ(store_->complete_multipart_upload("bkt", "big", *upload, {{1, part->etag}})
                  .status()
                  .reason(),
              "DiskFull");
    EXPECT_EQ(store_->copy_object("bkt", "kept", {"bkt", "copy"}).status().reason(), "DiskFull");
    // Reads and deletes (which free space) go on.
    EXPECT_EQ(read_object(*store_, "bkt", "kept"), "old bytes");
    EXPECT_EQ(read_object(*store_, "bkt", "new"), "error:NoSuchKey");
    EXPECT_TRUE(files_under(data(), "tmp").empty());

    fs_.set_available_bytes(1 << 20);
    EXPECT_TRUE(put_string(*store_, "bkt", "new", "new bytes").is_ok());
    EXPECT_TRUE(
        store_->complete_multipart_upload("bkt", "big", *upload, {{1, part->etag}}).is_ok());
}

TEST_F(LocalStoreLimitsTest, AbandonedUploadsAreAbortedOnceTooOld) {
    open({.abandoned_upload_age = std::chrono::hours(1)});
    auto old_upload = store_->create_multipart_upload({"bkt", "old"});
    ASSERT_TRUE(old_upload.is_ok());
    StringByteSource body("never completed");
    ASSERT_TRUE(store_->upload_part("bkt", "old", *old_upload, 1, body, std::nullopt).is_ok());
    ASSERT_EQ(files_under(data(), "parts").size(), 1u);

    clock_.advance(std::chrono::minutes(59));
    auto recent = store_->create_multipart_upload({"bkt", "recent"});
    ASSERT_TRUE(recent.is_ok());
    EXPECT_TRUE(store_->list_parts("bkt", "old", *old_upload, 0, 10).is_ok());  // not yet

    clock_.advance(std::chrono::minutes(2));  // the old one is now over an hour old
    ASSERT_TRUE(store_->create_multipart_upload({"bkt", "newest"}).is_ok());
    EXPECT_EQ(store_->list_parts("bkt", "old", *old_upload, 0, 10).status().reason(),
              "NoSuchUpload");
    EXPECT_TRUE(files_under(data(), "parts").empty());
    EXPECT_TRUE(store_->list_parts("bkt", "recent", *recent, 0, 10).is_ok());

    // Opening the store sweeps too, without waiting for a new upload.
    clock_.advance(std::chrono::hours(2));
    open({.abandoned_upload_age = std::chrono::hours(1)});
    EXPECT_EQ(store_->list_parts("bkt", "recent", *recent, 0, 10).status().reason(),
              "NoSuchUpload");
}

}  // namespace
}  // namespace imgpipe::store
