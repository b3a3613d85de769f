#pragma once
// DeadlineGuard: enforces one job's deadline. check() is called between the processing steps
// (imgproxy style), and expired() by the code that works on pixels itself (jpeg_codec's progress
// monitor, lanczos3_reduce between strips). watch() hooks a libvips image's progress ("eval")
// signal so that pixel work libvips does in its thread pool — a slow decode, a huge resize being
// saved — is killed (vips_image_set_kill) as soon as the deadline passes, and the operation then
// fails inside libvips. After that, expired() tells the caller to report DeadlineExceeded rather
// than the libvips error.
//
// Thread-safe: the eval callback runs on libvips worker threads; the guard must outlive every
// image it watches (it lives on the stack of the job, like the images).

#include <atomic>
#include <string_view>
#include <vips/vips8>

#include "core/clock.h"
#include "core/status.h"
#include "imaging/image_processor.h"

namespace imgpipe::imaging::vips_impl {

class DeadlineGuard {
  public:
    DeadlineGuard(const Clock& clock, Deadline deadline) : clock_(clock), deadline_(deadline) {}
    DeadlineGuard(const DeadlineGuard&) = delete;
    DeadlineGuard& operator=(const DeadlineGuard&) = delete;

    // DeadlineExceeded (naming `step`) if the deadline has passed, else ok.
    Status check(std::string_view step) const;
    // True once the deadline has passed (or a watched image was killed for it).
    bool expired() const;
    // Kills `image`'s evaluation when the deadline passes during it.
    void watch(vips::VImage& image);

  private:
    static void on_eval(VipsImage* image, VipsProgress* progress, void* self);

    const Clock& clock_;
    const Deadline deadline_;
    std::atomic<bool> killed_{false};
};

}  // namespace imgpipe::imaging::vips_impl
