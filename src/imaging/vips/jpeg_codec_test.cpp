#include "imaging/vips/jpeg_codec.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "imaging/imaging_errors.h"
#include "imaging/vips/load_step.h"
#include "imaging/vips/test_support.h"

namespace imgpipe::imaging::vips_impl {
namespace {

using testing::mean_abs_diff;
using testing::read_bytes;
using testing::testdata;

const DeadlineGuard& no_deadline() {
    static const DeadlineGuard guard(SystemClock::instance(), testing::seconds_from_now(3600));
    return guard;
}

vips::VImage vips_jpegload(const std::string& bytes, int shrink) {
    return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "",
                                         vips::VImage::option()->set("shrink", shrink))
        .copy_memory();
}

// decode_jpeg with the header's size, as the processor passes it.
Result<vips::VImage> decode(const std::string& bytes, int shrink, const DeadlineGuard& guard) {
    auto opened = open_header({.bytes = bytes});
    if (!opened.is_ok()) return opened.status();
    return decode_jpeg(bytes, {opened->info.width, opened->info.height}, shrink, guard);
}

// encode_jpeg of a memory image, fed a strip at a time as the encode step does.
Result<std::string> encode(const vips::VImage& image, int quality, bool progressive,
                           const DeadlineGuard& guard = no_deadline()) {
    const auto* base = static_cast<const uint8_t*>(image.data());
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(image.width()) * image.bands();
    return encode_jpeg(
        image.width(), image.height(), image.bands(), quality, progressive,
        [&](int y, int count) -> Result<PixelView> {
            return PixelView{.data = base + y * stride,
                             .width = image.width(),
                             .height = count,
                             .bands = image.bands(),
                             .stride = stride};
        },
        guard);
}

TEST(JpegCodecTest, DecodeGivesLibvipsPixelsAndSizeAtEveryShrink) {
    // Same libjpeg, same settings: identical pixels, and libvips' rounded-down size.
    for (const char* file : {"sharp-fixtures/2569067123_aca715a2ee_o.jpg",  // baseline 4:2:0
                             "sharp-fixtures/thRandom.jpg",                 // grey
                             "jpeg-decoder-tests/reftest/progressive3.jpg",
                             "libjpeg-turbo/testimages/testimgari.jpg"}) {  // arithmetic coded
        const std::string bytes = read_bytes(testdata(file));
        for (const int shrink : {1, 2, 4, 8}) {
            auto mine = decode(bytes, shrink, no_deadline());
            ASSERT_TRUE(mine.is_ok()) << file << ": " << mine.status().to_string();
            const vips::VImage theirs = vips_jpegload(bytes, shrink);
            ASSERT_EQ(mine->width(), theirs.width()) << file << " 1/" << shrink;
            ASSERT_EQ(mine->height(), theirs.height()) << file << " 1/" << shrink;
            ASSERT_EQ(mine->bands(), theirs.bands()) << file;
            EXPECT_EQ(mean_abs_diff(mine->copy_memory(), theirs), 0.0) << file << " 1/" << shrink;
        }
    }
}

TEST(JpegCodecTest, DamagedJpegsAreErrorValuesOrPadded) {
    const std::string photo = read_bytes(testdata("sharp-fixtures/2569067123_aca715a2ee_o.jpg"));
    const Size size{2725, 2225};
    // Cut inside the header: nothing to decode.
    auto header_cut = decode_jpeg(photo.substr(0, 300), size, 4, no_deadline());
    EXPECT_EQ(header_cut.status().reason(), kCorruptImage) << header_cut.status().to_string();
    EXPECT_EQ(decode_jpeg("", size, 1, no_deadline()).status().reason(), kCorruptImage);
    // Cut inside the pixel data: libjpeg pads the rest, as libvips does by default.
    auto data_cut = decode_jpeg(photo.substr(0, photo.size() / 2), size, 8, no_deadline());
    ASSERT_TRUE(data_cut.is_ok()) << data_cut.status().to_string();
    EXPECT_EQ(data_cut->width(), 2725 / 8);
    // A header that is not the one the limits were checked against (a file replaced between the
    // two reads) is refused before anything is allocated for it.
    auto other = decode_jpeg(photo, {100, 100}, 1, no_deadline());
    EXPECT_EQ(other.status().reason(), kCorruptImage) << other.status().to_string();
}

TEST(JpegCodecTest, DamageAfterTheLastScanDoesNotFailTheImage) {
    // A stray scan header between the only scan and the end: every row decodes, and libvips
    // keeps such an image too.
    const std::string clean = read_bytes(testdata("sharp-fixtures/random.jpg"));
    const std::string damaged = clean.substr(0, clean.size() - 2) +
                                std::string("\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10) +
                                "\xff\xd9";
    auto mine = decode(damaged, 1, no_deadline());
    ASSERT_TRUE(mine.is_ok()) << mine.status().to_string();
    EXPECT_EQ(mean_abs_diff(mine->copy_memory(), vips_jpegload(clean, 1)), 0.0);
}

TEST(JpegCodecTest, TooManyScansAreRefused) {
    // A progressive file whose first scan is repeated 600 times: libjpeg only warns about the
    // repeats, and would read them all.
    const std::string file = read_bytes(testdata("jpeg-decoder-tests/reftest/progressive3.jpg"));
    const size_t first = file.find("\xff\xda");
    size_t end = first + 2;
    while (!(static_cast<unsigned char>(file[end]) == 0xff &&
             static_cast<unsigned char>(file[end + 1]) != 0x00 &&
             (static_cast<unsigned char>(file[end + 1]) & 0xf8) != 0xd0)) {
        ++end;
    }
    const std::string scan = file.substr(first, end - first);
    std::string many = file.substr(0, end);
    for (int i = 0; i < 600; ++i) many += scan;
    many += file.substr(end);
    auto out = decode(many, 1, no_deadline());
    EXPECT_EQ(out.status().reason(), kCorruptImage) << out.status().to_string();
    EXPECT_NE(out.status().message().find("too many scans"), std::string::npos)
        << out.status().to_string();
}

TEST(JpegCodecTest, DirectPathOnlyForJpegsLibvipsWouldNotColourManage) {
    auto direct = [](const char* file) {
        auto opened = open_header({.path = testdata(file)});
        EXPECT_TRUE(opened.is_ok()) << file;
        return opened.is_ok() && opened->direct_jpeg;
    };
    EXPECT_TRUE(direct("sharp-fixtures/2569067123_aca715a2ee_o.jpg"));
    EXPECT_TRUE(direct("sharp-fixtures/thRandom.jpg"));                                      // grey
    EXPECT_FALSE(direct("sharp-fixtures/Channel_digital_image_CMYK_color_no_profile.jpg"));  // CMYK
    EXPECT_FALSE(direct("sharp-fixtures/Landscape_2.jpg"));  // ICC profile
    EXPECT_FALSE(direct("sharp-fixtures/concert.jpg"));      // grey with an ICC profile
    EXPECT_FALSE(direct("pngsuite/basn2c08.png"));
}

// A clock that moves on by a millisecond each time it is read.
class TickingClock final : public Clock {
  public:
    std::chrono::system_clock::time_point now() const override { return {}; }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(++reads_);
    }
    int reads() const { return reads_; }

  private:
    mutable int reads_ = 0;
};

TEST(JpegCodecTest, DeadlinePassingMidwayStopsTheDecode) {
    // Baseline and progressive: the progressive file's scans are all read before its first row,
    // and the deadline holds there too.
    for (const char* file : {"sharp-fixtures/2569067123_aca715a2ee_o.jpg",
                             "jpeg-decoder-tests/reftest/progressive3.jpg"}) {
        const TickingClock clock;
        const DeadlineGuard guard(
            clock, std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(5));
        auto out = decode(read_bytes(testdata(file)), 1, guard);
        EXPECT_EQ(out.status().reason(), kDeadlineExceeded) << file;
        EXPECT_EQ(clock.reads(), 5) << file;  // stopped at once
    }
}

TEST(JpegCodecTest, DeadlinePassingMidwayStopsTheEncode) {
    // Baseline, and progressive, whose entropy coding all happens after the last row.
    const vips::VImage in =
        vips_jpegload(read_bytes(testdata("sharp-fixtures/2569067123_aca715a2ee_o.jpg")), 2);
    for (const bool progressive : {false, true}) {
        const TickingClock clock;
        const DeadlineGuard guard(
            clock, std::chrono::steady_clock::time_point{} + std::chrono::milliseconds(5));
        auto out = encode(in, 80, progressive, guard);
        EXPECT_EQ(out.status().reason(), kDeadlineExceeded) << progressive;
        EXPECT_EQ(clock.reads(), 5) << progressive;
    }
}

TEST(JpegCodecTest, EncodeMatchesLibvipsJpegsaveAndCarriesNoMetadata) {
    const vips::VImage in =
        vips_jpegload(read_bytes(testdata("sharp-fixtures/2569067123_aca715a2ee_o.jpg")), 8);
    for (const bool progressive : {false, true}) {
        for (const int quality : {80, 95}) {
            auto jpeg = encode(in, quality, progressive);
            ASSERT_TRUE(jpeg.is_ok()) << jpeg.status().to_string();
            const vips::VImage out = testing::decode(*jpeg);
            ASSERT_EQ(out.width(), in.width());
            ASSERT_EQ(out.height(), in.height());
            // The same settings as libvips' jpegsave give the same pixels.
            VipsBlob* blob = in.jpegsave_buffer(vips::VImage::option()
                                                    ->set("Q", quality)
                                                    ->set("interlace", progressive)
                                                    ->set("strip", true));
            size_t length = 0;
            const auto* data = static_cast<const char*>(vips_blob_get(blob, &length));
            const vips::VImage theirs = testing::decode(std::string(data, length));
            vips_area_unref(VIPS_AREA(blob));
            EXPECT_EQ(mean_abs_diff(out, theirs), 0.0) << "q" << quality;
            EXPECT_EQ(out.get_int("jpeg-multiscan"), progressive ? 1 : 0);
            EXPECT_STREQ(out.get_string("jpeg-chroma-subsample"),
                         quality >= 90 ? "4:4:4" : "4:2:0");
            // No EXIF, XMP, ICC or comment.
            EXPECT_EQ(jpeg->find("Exif"), std::string::npos);
            EXPECT_EQ(jpeg->find("http://ns.adobe.com/xap"), std::string::npos);
            EXPECT_EQ(out.get_typeof(VIPS_META_ICC_NAME), 0);
        }
    }
    const vips::VImage grey = vips_jpegload(read_bytes(testdata("sharp-fixtures/thRandom.jpg")), 1);
    auto jpeg = encode(grey, 80, false);
    ASSERT_TRUE(jpeg.is_ok());
    EXPECT_EQ(testing::decode(*jpeg).bands(), 1);
}

}  // namespace
}  // namespace imgpipe::imaging::vips_impl
