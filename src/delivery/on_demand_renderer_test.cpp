// OnDemandRenderer against the real parts — LocalObjectStore, SqliteJobStore and the libvips
// processor — for what it records on the job: each render once in `rendered` (a repeated request
// writes nothing), and a render whose job vanished meanwhile taken back out of the bucket.

#include "delivery/on_demand_renderer.h"

#include <gtest/gtest.h>

#include "imaging/vips/vips_image_processor.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "store/local/local_object_store.h"
#include "store/local/local_store_test_util.h"
#include "temp_dir.h"
#include "testdata.h"

namespace imgpipe::delivery {
namespace {

constexpr const char* kPhoto = "exif-orientation-examples/Landscape_1.jpg";  // 1800x1200
constexpr const char* kKey = "photos/a.jpg";

class OnDemandRendererTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = store::testing::open_store(dir_.path() + "/data");
        ASSERT_NE(store_, nullptr);
        ASSERT_TRUE(store_->create_bucket("uploads").is_ok());
        ASSERT_TRUE(store_->create_bucket("resized").is_ok());
        auto jobs = queue::SqliteJobStore::open(dir_.path() + "/pipeline.db", clock_);
        ASSERT_TRUE(jobs.is_ok()) << jobs.status().to_string();
        jobs_ = std::move(*jobs);
        auto p = imaging::VipsImageProcessor::create({.vips_concurrency = 1}, clock_);
        ASSERT_TRUE(p.is_ok()) << p.status().to_string();
        processor_ = std::move(*p);
        renderer_ = std::make_unique<OnDemandRenderer>(*store_, *jobs_, *processor_, clock_,
                                                       RendererOptions{});
        auto original = store::testing::put_string(*store_, "uploads", kKey, read_testdata(kPhoto));
        ASSERT_TRUE(original.is_ok()) << original.status().to_string();
        ASSERT_TRUE(
            jobs_->submit({"img", "uploads", kKey, original->etag, original->size, "0A", "{}"})
                .is_ok());
    }

    queue::Job job() {
        auto j = jobs_->get("img");
        EXPECT_TRUE(j.is_ok()) << j.status().to_string();
        return j.is_ok() ? *j : queue::Job{};
    }

    static imaging::VariantSpec size(int w, int h) {
        imaging::VariantSpec spec;
        spec.name = std::to_string(w) + "x" + std::to_string(h);
        spec.width = w;
        spec.height = h;
        return spec;
    }

    TempDir dir_;
    FakeClock clock_;
    std::unique_ptr<store::LocalObjectStore> store_;
    std::unique_ptr<queue::SqliteJobStore> jobs_;
    std::unique_ptr<imaging::ImageProcessor> processor_;
    std::unique_ptr<OnDemandRenderer> renderer_;
};

TEST_F(OnDemandRendererTest, RecordsEachRenderOnceOnTheJob) {
    const queue::Job before = job();
    auto key = renderer_->ensure(before, size(120, 80));
    ASSERT_TRUE(key.is_ok()) << key.status().to_string();
    EXPECT_EQ(*key, "resized-120x80/photos/a.jpg");
    auto stored = store_->head_object("resized", *key);
    ASSERT_TRUE(stored.is_ok());

    queue::Job after = job();
    ASSERT_EQ(after.rendered.size(), 1u);
    const queue::VariantResult& v = after.rendered[0];
    EXPECT_EQ(v.name, "120x80");
    EXPECT_EQ(v.bucket, "resized");
    EXPECT_EQ(v.key, *key);
    EXPECT_EQ(v.width, 120);
    EXPECT_EQ(v.height, 80);
    EXPECT_EQ(v.bytes, stored->size);
    EXPECT_EQ(v.etag, stored->etag);
    EXPECT_EQ(v.format, "jpeg");
    EXPECT_EQ(v.content_type, "image/jpeg");
    EXPECT_TRUE(after.variants.empty());
    EXPECT_EQ(after.version, before.version + 1);

    // Served again, with the job as read now and with the stale copy that does not list it yet
    // (what the stored object says matches the record): no render, no write.
    ASSERT_TRUE(renderer_->ensure(after, size(120, 80)).is_ok());
    ASSERT_TRUE(renderer_->ensure(before, size(120, 80)).is_ok());
    EXPECT_EQ(renderer_->renders(), 1u);
    EXPECT_EQ(job().version, after.version);
    EXPECT_EQ(job().rendered, after.rendered);

    // Another size: a second entry.
    ASSERT_TRUE(renderer_->ensure(job(), size(60, 40)).is_ok());
    ASSERT_EQ(job().rendered.size(), 2u);
    EXPECT_EQ(job().rendered[1].name, "60x40");
}

TEST_F(OnDemandRendererTest, ARenderWhoseJobVanishedIsTakenBack) {
    // The request read the job; DELETE /images/{id} removed it before the render was recorded.
    const queue::Job read_before = job();
    ASSERT_TRUE(jobs_->remove("img").is_ok());
    auto key = renderer_->ensure(read_before, size(120, 80));
    ASSERT_FALSE(key.is_ok());
    EXPECT_EQ(key.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(key.status().reason(), "NoSuchImage");
    EXPECT_EQ(renderer_->renders(), 1u);  // it was made and stored...
    auto left = store_->head_object("resized", "resized-120x80/photos/a.jpg");
    ASSERT_FALSE(left.is_ok());  // ...and deleted again
    EXPECT_EQ(left.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace imgpipe::delivery
