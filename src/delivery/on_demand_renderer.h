#pragma once
// OnDemandRenderer: makes a variant that was not made at upload — a signed on-demand size or a
// configured preset — through the same ImageProcessor the workers use, and stores it in the
// destination bucket under the workers' output key template, so it is served from there from
// then on. The stored object records the ETag of the original it was made from
// (x-amz-meta-source-etag): after the original is uploaded again, the next request renders it
// anew instead of serving the old picture.
//
// Each variant it stores (or finds stored but not yet recorded) is recorded on the image's job
// (JobStore::add_rendered), so GET /images/{id} lists it and DELETE /images/{id} removes it. When
// the job is gone by then (the image was deleted during the render), the object just stored is
// deleted again and the request answers NoSuchImage, as a worker does with its variants (a
// render that cannot be recorded for another reason is deleted too, and the request fails).
//
// Concurrent requests for one new variant render it once (SingleFlight on its key); renders of
// different variants run at most `max_concurrent` at a time, so a burst of new sizes cannot take
// every core from the workers and the server. Thread-safe.

#include <atomic>
#include <chrono>
#include <optional>
#include <semaphore>
#include <string>

#include "core/clock.h"
#include "delivery/single_flight.h"
#include "imaging/image_processor.h"
#include "queue/job_store.h"
#include "store/object_store.h"

namespace imgpipe::delivery {

struct RendererOptions {
    std::string dest_bucket = "resized";
    std::string output_key_template = "resized-{name}/{key}";
    imaging::Limits image_limits;
    uint64_t max_source_bytes = 256ull << 20;
    std::chrono::milliseconds timeout{60'000};
    std::string cache_control = "public, max-age=86400";
    int max_concurrent = 2;
};

class OnDemandRenderer {
  public:
    // The store, job store, processor and clock outlive the renderer.
    OnDemandRenderer(store::ObjectStore& store, queue::JobStore& jobs,
                     const imaging::ImageProcessor& processor, const Clock& clock,
                     RendererOptions options);

    // Makes sure `variant` (REQUIRES: a valid VariantSpec with its name set) of the image of
    // `job` is stored for the job's current original and recorded in the job's `rendered`,
    // rendering it if not stored; returns its key in the destination bucket. `job` is the job as
    // the caller read it: a variant it already lists (same name, key and ETag) is not written
    // again. Errors: NoSuchImage (kNotFound) when the original or the job is gone, the
    // processor's reasons (CorruptImage, ImageTooLarge, DeadlineExceeded, ...), the store's and
    // the job store's.
    Result<std::string> ensure(const queue::Job& job, const imaging::VariantSpec& variant);

    const std::string& dest_bucket() const { return options_.dest_bucket; }
    // Variants rendered (and stored) since start.
    uint64_t renders() const { return renders_.load(); }

  private:
    // What `key` holds when it is a rendering of `variant` from the original with ETag
    // `source_etag`; nullopt when it is missing or made from another original.
    std::optional<queue::VariantResult> current(const std::string& key,
                                                const imaging::VariantSpec& variant,
                                                const std::string& source_etag);
    // Renders `variant` from the original and stores it at `key`; what was stored.
    Result<queue::VariantResult> render(const queue::Job& job, const imaging::VariantSpec& variant,
                                        const std::string& key);
    // Records `stored` on `job` unless the job lists it already. Deletes the object when the job
    // is gone, or when it was `just_stored` by this call and cannot be recorded.
    Status record(const queue::Job& job, const queue::VariantResult& stored, bool just_stored);

    store::ObjectStore& store_;
    queue::JobStore& jobs_;
    const imaging::ImageProcessor& processor_;
    const Clock& clock_;
    const RendererOptions options_;
    SingleFlight flights_;
    std::counting_semaphore<> slots_;
    std::atomic<uint64_t> renders_{0};
};

}  // namespace imgpipe::delivery
