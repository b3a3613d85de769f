// libFuzzer target: one whole image job (VipsImageProcessor::process: header, limits, the
// direct libjpeg decode or libvips' loaders, the Lanczos reduce, encoding) on arbitrary bytes,
// under a 4 MP limit. The interesting code is imgpipe's own glue, above all jpeg_codec's
// setjmp/longjmp error path, which damaged JPEGs reach. There is no committed corpus: seed it
// with the test corpus, read in place, after a writable directory for new inputs:
//   T=${IMGPIPE_TESTDATA:-../shared/testdata}
//   fuzz_image_job NEW_DIR $T/jpeg-decoder-tests/reftest $T/imagetestsuite-jpg
//       $T/libjpeg-turbo/seed-corpora-bugs

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "imaging/vips/vips_image_processor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace imgpipe;
    using namespace imgpipe::imaging;
    static const auto processor = VipsImageProcessor::create({}, SystemClock::instance());
    static const ResizeSpec spec = default_resize_spec();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)(*processor)
        ->process(bytes, spec, Limits{.max_pixels = 4'000'000},
                  SystemClock::instance().steady_now() + std::chrono::seconds(10));
    return 0;
}
