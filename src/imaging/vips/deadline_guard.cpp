#include "imaging/vips/deadline_guard.h"

#include <string>

#include "imaging/imaging_errors.h"

namespace imgpipe::imaging::vips_impl {

Status DeadlineGuard::check(std::string_view step) const {
    if (expired()) return deadline_exceeded("deadline passed before " + std::string(step));
    return Status::ok();
}

bool DeadlineGuard::expired() const {
    return killed_.load(std::memory_order_relaxed) || clock_.steady_now() >= deadline_;
}

void DeadlineGuard::watch(vips::VImage& image) {
    VipsImage* im = image.get_image();
    g_signal_connect(im, "eval", G_CALLBACK(&DeadlineGuard::on_eval), this);
    vips_image_set_progress(im, TRUE);
}

void DeadlineGuard::on_eval(VipsImage* image, VipsProgress* progress, void* self) {
    auto* guard = static_cast<DeadlineGuard*>(self);
    if (guard->clock_.steady_now() < guard->deadline_) return;
    guard->killed_.store(true, std::memory_order_relaxed);
    // Kill both the watched image and the one being computed (they differ when the watched
    // image feeds a saver or a memory copy).
    vips_image_set_kill(image, TRUE);
    if (progress != nullptr && progress->im != nullptr) vips_image_set_kill(progress->im, TRUE);
}

}  // namespace imgpipe::imaging::vips_impl
