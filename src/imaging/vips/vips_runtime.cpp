#include "imaging/vips/vips_runtime.h"

#include <malloc.h>

#include <mutex>
#include <vips/vips8>

namespace imgpipe::imaging::vips_impl {

Status ensure_vips_started(const VipsRuntimeOptions& options) {
    static std::once_flag once;
    static Status started;
    std::call_once(once, [&] {
        constexpr int kMiB = 1 << 20;
        mallopt(M_MMAP_THRESHOLD, 32 * kMiB);
        mallopt(M_TRIM_THRESHOLD, 64 * kMiB);
        if (VIPS_INIT("imgpipe") != 0) {
            started =
                internal_error(std::string("libvips failed to start: ") + vips_error_buffer());
            vips_error_clear();
            return;
        }
        vips_cache_set_max(0);
        vips_cache_set_max_mem(0);
        vips_cache_set_max_files(0);
        vips_block_untrusted_set(TRUE);
        vips_concurrency_set(options.concurrency < 1 ? 1 : options.concurrency);
        // Loader warnings (e.g. "Corrupt JPEG data") go to the error value or nowhere, not to
        // stderr of a server.
        g_log_set_handler(
            "VIPS", G_LOG_LEVEL_WARNING,
            [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    });
    return started;
}

}  // namespace imgpipe::imaging::vips_impl
