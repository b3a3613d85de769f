// Decompression bombs must be refused from the header: fast and without large allocations.
// Its own binary so that the process' peak RSS measures these files alone.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "imaging/imaging_errors.h"
#include "imaging/vips/test_support.h"
#include "imaging/vips/vips_image_processor.h"
#include "testdata.h"

namespace imgpipe::imaging {
namespace {

std::vector<std::string> bombs() {
    std::vector<std::string> files = {
        testing::testdata("sharp-fixtures/65536-uint32-limit.png"),  // 4.29 Gpx PNG
        testing::testdata("sharp-fixtures/giant-image.jpg"),         // 280 Mpx JPEG
        testing::testdata("jpeg-decoder-tests/crashtest/max_size.jpg"),
        testing::testdata("pillow-tests/broken.png"),
        testing::testdata("imagetestsuite-jpg/6903d4538fd33c8fd0ded32cb30d618e.jpg"),
    };
    const DirListing listing =
        list_dir(testing::testdata("libjpeg-turbo/seed-corpora-bugs"), /*recursive=*/false);
    if (!listing.error.empty()) ADD_FAILURE() << listing.error;
    for (const auto& e : listing.entries) {
        if (e.path().filename().string().rfind("github_197_", 0) == 0) {
            files.push_back(e.path().string());
        }
    }
    return files;
}

TEST(BombTest, RefusedFromHeaderFastAndSmall) {
    auto processor = VipsImageProcessor::create({});
    ASSERT_TRUE(processor.is_ok());
    const auto files = bombs();
    ASSERT_GE(files.size(), 6u);
    for (const auto& file : files) {
        // Refused from the header takes milliseconds; decoding one of these takes minutes and
        // would end in DeadlineExceeded, which fails the reason check below. No timing here.
        auto out = (*processor)
                       ->process_file(file, default_resize_spec(), Limits{},
                                      testing::seconds_from_now(10));
        ASSERT_FALSE(out.is_ok()) << file;
        // The real bombs declare > 100 Mpx; the broken headers may fail as corrupt instead.
        EXPECT_TRUE(out.status().reason() == kImageTooLarge ||
                    out.status().reason() == kCorruptImage)
            << file << ": " << out.status().to_string();
    }
    for (const char* name :
         {"sharp-fixtures/65536-uint32-limit.png", "sharp-fixtures/giant-image.jpg"}) {
        auto out = (*processor)
                       ->process_file(testing::testdata(name), default_resize_spec(), Limits{},
                                      testing::seconds_from_now(30));
        EXPECT_EQ(out.status().reason(), kImageTooLarge) << name;
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak RSS after all bombs: %ld MiB\n", usage.ru_maxrss / 1024);
    // Decoding any one of them would need hundreds of MiB to GiBs.
    EXPECT_LT(usage.ru_maxrss / 1024, 100);
}

TEST(BombTest, GiantImageIsFineUnderAHigherLimit) {
    // The same 280 Mpx JPEG is a legitimate photo when the limit allows it: shrink-on-load
    // decodes it at 1/8 and it stays small.
    auto processor = VipsImageProcessor::create({});
    ASSERT_TRUE(processor.is_ok());
    auto out = (*processor)
                   ->process_file(testing::testdata("sharp-fixtures/giant-image.jpg"),
                                  default_resize_spec(), Limits{.max_pixels = 300'000'000},
                                  testing::seconds_from_now(30));
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out->decoded, (Size{2500, 1750}));
    EXPECT_EQ(out->variants[0].width, 400);
}

}  // namespace
}  // namespace imgpipe::imaging
