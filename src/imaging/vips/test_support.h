#pragma once
// Helpers shared by the imaging tests: test-corpus paths, decoding outputs with libvips, and
// image comparison (mean absolute difference, PSNR). Test-only.

#include <string>
#include <vector>
#include <vips/vips8>

#include "imaging/image_processor.h"

namespace imgpipe::imaging::testing {

// The test corpus root ($IMGPIPE_TESTDATA, see tests/testdata.h) + "/" + relative. A file that
// does not exist fails the current test, naming the path and the variable.
std::string testdata(const std::string& relative);
// The whole file; a file that cannot be read fails the current test (naming the path) and
// reads as "".
std::string read_bytes(const std::string& path);
// Every image file of every corpus (all files except *.md and the sigv4 folder), sorted. A corpus
// that cannot be listed fails the current test, naming the path, and yields what was listed.
std::vector<std::string> corpus_files();

// Decodes an encoded output fully into memory.
vips::VImage decode(const std::string& bytes);
// `image` encoded by libvips in the format of `suffix`, with its options (".png", ".jpg[Q=95]").
std::string encode(const vips::VImage& image, const std::string& suffix);
// The image as 3-band 8-bit sRGB (grey expanded, alpha dropped) for comparisons.
vips::VImage as_rgb(const vips::VImage& image);
// Mean absolute difference per channel value (0..255); REQUIRES: same size.
double mean_abs_diff(const vips::VImage& a, const vips::VImage& b);
// Peak signal-to-noise ratio in dB over 8-bit values; REQUIRES: same size.
double psnr(const vips::VImage& a, const vips::VImage& b);

// A variant made the slow, obviously-right way: full decode (no shrink-on-load), orientation,
// sRGB, one Lanczos3 resize of the full image to plan.resize, centre crop to plan.output.
vips::VImage reference_variant(const std::string& path, const VariantSpec& spec);

ResizeSpec spec_of(const std::vector<std::string>& variants);
Deadline seconds_from_now(double seconds);

}  // namespace imgpipe::imaging::testing
