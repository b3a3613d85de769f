// The whole test corpus (~596 files: real photos, every PNG colour type, fuzzed and truncated
// JPEGs, bug PoCs, bombs) through one processor in one loop, no subprocesses: every file either
// yields variants whose decoded sizes are exactly plan_variant()'s, or fails with one of the
// four imaging reasons. Each file is bounded in time by the job deadline.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <map>

#include "imaging/imaging_errors.h"
#include "imaging/vips/test_support.h"
#include "imaging/vips/vips_image_processor.h"

namespace imgpipe::imaging {
namespace {

using testing::decode;

#if defined(__SANITIZE_ADDRESS__)
#define IMGPIPE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMGPIPE_ASAN 1
#endif
#endif

// A normal build needs well under 1 s a file (the 12-16 MP HEIFs about 1 s); AddressSanitizer
// makes it several times slower. The slack covers the one step a deadline cannot interrupt:
// libheif decodes a whole HEIF image in a single call.
#ifdef IMGPIPE_ASAN
constexpr double kDeadlineSeconds = 30.0;
constexpr double kSlackSeconds = 20.0;
#else
constexpr double kDeadlineSeconds = 10.0;
constexpr double kSlackSeconds = 10.0;
#endif

TEST(CorpusTest, EveryFileYieldsExactVariantsOrAnImagingError) {
    auto processor = VipsImageProcessor::create({});
    ASSERT_TRUE(processor.is_ok());
    const ResizeSpec spec =
        testing::spec_of({"400x400", "200x200:inside:webp", "100x100:contain:png"});
    const std::vector<std::string> files = testing::corpus_files();
    ASSERT_GE(files.size(), 590u);

    std::map<std::string, int> outcomes;
    double slowest = 0;
    std::string slowest_file;
    for (const auto& file : files) {
        SCOPED_TRACE(file);
        const auto start = std::chrono::steady_clock::now();
        auto out =
            (*processor)
                ->process_file(file, spec, Limits{}, testing::seconds_from_now(kDeadlineSeconds));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_LT(seconds, kDeadlineSeconds + kSlackSeconds);
        if (seconds > slowest) {
            slowest = seconds;
            slowest_file = file;
        }
        if (!out.is_ok()) {
            const Status& s = out.status();
            const std::string& reason = s.reason();
            outcomes[reason]++;
            const bool known =
                (reason == kUnsupportedFormat && s.code() == StatusCode::kInvalidArgument) ||
                (reason == kCorruptImage && s.code() == StatusCode::kInvalidArgument) ||
                (reason == kImageTooLarge && s.code() == StatusCode::kResourceExhausted) ||
                (reason == kDeadlineExceeded && s.code() == StatusCode::kDeadlineExceeded);
            EXPECT_TRUE(known) << s.to_string();
            continue;
        }
        outcomes["ok"]++;
        ASSERT_EQ(out->variants.size(), spec.variants.size());
        for (size_t i = 0; i < spec.variants.size(); ++i) {
            const Variant& v = out->variants[i];
            const VariantPlan plan = plan_variant(out->source.upright(), spec.variants[i]);
            const vips::VImage img = decode(v.bytes);
            EXPECT_EQ((Size{img.width(), img.height()}), plan.output) << v.name;
            EXPECT_EQ((Size{v.width, v.height}), plan.output) << v.name;
            EXPECT_EQ(img.format(), VIPS_FORMAT_UCHAR) << v.name;
        }
        // Cover of a source at least as big as the box is the box itself.
        const Size up = out->source.upright();
        if (up.width >= 400 && up.height >= 400) {
            EXPECT_EQ(out->variants[0].width, 400);
            EXPECT_EQ(out->variants[0].height, 400);
        }
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("corpus: %zu files;", files.size());
    for (const auto& [outcome, count] : outcomes) std::printf(" %s=%d", outcome.c_str(), count);
    std::printf("; slowest %.2f s (%s); peak RSS %ld MiB\n", slowest, slowest_file.c_str(),
                usage.ru_maxrss / 1024);
    EXPECT_GT(outcomes["ok"], 300);
    // Bounded memory: the largest legitimate input is ~12 MP, decoded once at a shrink.
    EXPECT_LT(usage.ru_maxrss / 1024, 2048);
}

}  // namespace
}  // namespace imgpipe::imaging
