#include "imaging/vips/test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "imaging/vips/colour_step.h"
#include "imaging/vips/load_step.h"
#include "imaging/vips/orient_step.h"
#include "imaging/vips/vips_runtime.h"
#include "testdata.h"

namespace imgpipe::imaging::testing {
namespace {

// Tests call libvips directly (decode, compare) as well as through the processor, and ctest runs
// each test in a process of its own: start libvips once per process before any test.
class VipsEnvironment final : public ::testing::Environment {
  public:
    void SetUp() override { ASSERT_TRUE(vips_impl::ensure_vips_started().is_ok()); }
};
[[maybe_unused]] const ::testing::Environment* const kVipsEnvironment =
    ::testing::AddGlobalTestEnvironment(new VipsEnvironment);

}  // namespace

std::string testdata(const std::string& relative) {
    std::string path = testdata_root() + "/" + relative;
    // Said here, once, with the path: what the test then does with a missing file (probe, decode,
    // compare) fails in ways that do not name it.
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        ADD_FAILURE() << "test corpus file not found: " << path << testdata_hint();
    }
    return path;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ADD_FAILURE() << "cannot read " << path;
        return {};
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    const std::filesystem::path root(testdata_root());
    const DirListing listing = list_dir(root, /*recursive=*/true);
    if (!listing.error.empty()) ADD_FAILURE() << listing.error;
    for (const auto& entry : listing.entries) {
        std::error_code ec;
        if (!entry.is_regular_file(ec)) continue;
        const auto rel = entry.path().lexically_relative(root).string();
        if (rel.rfind("sigv4", 0) == 0 || entry.path().extension() == ".md") continue;
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

vips::VImage decode(const std::string& bytes) {
    return vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "").copy_memory();
}

std::string encode(const vips::VImage& image, const std::string& suffix) {
    void* data = nullptr;
    size_t length = 0;
    image.write_to_buffer(suffix.c_str(), &data, &length);
    std::string bytes(static_cast<const char*>(data), length);
    g_free(data);
    return bytes;
}

vips::VImage as_rgb(const vips::VImage& image) {
    vips::VImage x = image;
    if (x.has_alpha()) x = x.extract_band(0, vips::VImage::option()->set("n", x.bands() - 1));
    // VImage::bandjoin(vector) is static: the grey band three times. (x.bandjoin({x, x}) called
    // it with {x, x}, two bands, so a grey image did not become RGB.)
    if (x.bands() == 1) x = vips::VImage::bandjoin({x, x, x});
    return x.cast(VIPS_FORMAT_UCHAR);
}

double mean_abs_diff(const vips::VImage& a, const vips::VImage& b) {
    return (as_rgb(a).cast(VIPS_FORMAT_FLOAT) - as_rgb(b).cast(VIPS_FORMAT_FLOAT)).abs().avg();
}

double psnr(const vips::VImage& a, const vips::VImage& b) {
    const vips::VImage d = as_rgb(a).cast(VIPS_FORMAT_FLOAT) - as_rgb(b).cast(VIPS_FORMAT_FLOAT);
    const double mse = (d * d).avg();
    return mse <= 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

vips::VImage reference_variant(const std::string& path, const VariantSpec& spec) {
    auto opened = vips_impl::open_header({.path = path});
    EXPECT_TRUE(opened.is_ok()) << path;
    const ImageInfo& info = opened->info;
    vips::VImage full = vips::VImage::new_from_file(path.c_str());
    full = vips_impl::orient(vips_impl::to_srgb8(full).copy_memory(), info.orientation);
    const VariantPlan plan = plan_variant(info.upright(), spec);
    vips::VImage x =
        full.resize(static_cast<double>(plan.resize.width) / full.width(),
                    vips::VImage::option()
                        ->set("vscale", static_cast<double>(plan.resize.height) / full.height())
                        ->set("kernel", VIPS_KERNEL_LANCZOS3));
    return x.crop((x.width() - plan.output.width) / 2, (x.height() - plan.output.height) / 2,
                  plan.output.width, plan.output.height);
}

ResizeSpec spec_of(const std::vector<std::string>& variants) {
    auto spec = parse_resize_spec(variants);
    EXPECT_TRUE(spec.is_ok()) << spec.status().to_string();
    return *spec;
}

Deadline seconds_from_now(double seconds) {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::duration<double>(seconds));
}

}  // namespace imgpipe::imaging::testing
