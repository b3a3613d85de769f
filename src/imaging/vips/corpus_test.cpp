// The whole test corpus (~596 files: real photos, every PNG colour type, fuzzed and truncated
// JPEGs, bug PoCs, bombs) through one processor in one loop, no subprocesses, each file checked
// against its row of corpus_expectations.tsv: the outcome (ok, or which imaging error), the
// upright source size and the size of each of the three variants. The table is not made from
// imgpipe's code: tests/tools/corpus_expectations.py computes it with Pillow (and vipsheader for
// HEIF/AVIF) and the fit arithmetic of DESIGN.md, and records a reasoned decision for each file
// where Pillow and libvips disagree. Every corpus file must have a row and every row a file, so
// a file that stops decoding, starts failing differently or changes size fails the test by name.

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "imaging/imaging_errors.h"
#include "imaging/vips/test_support.h"
#include "imaging/vips/vips_image_processor.h"
#include "testdata.h"

namespace imgpipe::imaging {
namespace {

using testing::decode;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define IMGPIPE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define IMGPIPE_SANITIZED 1
#endif
#endif

// Generous, so that no file of the pinned table can reach it on a slow or loaded machine (a
// normal build needs well under 1 s a file, the 12-16 MP HEIFs about 1 s; sanitizers several
// times that): a DeadlineExceeded here is a hang the deadline caught, and fails as a mismatch.
#ifdef IMGPIPE_SANITIZED
constexpr double kDeadlineSeconds = 120.0;
#else
constexpr double kDeadlineSeconds = 60.0;
#endif

// One row of corpus_expectations.tsv. Sizes are "WxH", or "-" when the outcome is an error.
struct Expectation {
    std::string outcome;  // "ok" or an imaging reason (kCorruptImage, ...)
    std::string upright;
    std::vector<std::string> variants;  // cover 400x400, inside 200x200, contain 100x100
    std::string basis;                  // why (shown on failure)
};

std::map<std::string, Expectation> read_expectations() {
    const std::string path =
        std::string(IMGPIPE_SOURCE_DIR) + "/src/imaging/vips/corpus_expectations.tsv";
    std::map<std::string, Expectation> rows;
    std::ifstream in(path);
    if (!in) {
        ADD_FAILURE() << "cannot read " << path;
        return rows;
    }
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (header) {  // the column names
            header = false;
            continue;
        }
        std::vector<std::string> cells;
        std::istringstream fields(line);
        for (std::string cell; std::getline(fields, cell, '\t');) cells.push_back(cell);
        if (cells.size() != 7) {
            ADD_FAILURE() << path << ": malformed row: " << line;
            continue;
        }
        rows[cells[0]] = {cells[1], cells[2], {cells[3], cells[4], cells[5]}, cells[6]};
    }
    return rows;
}

std::string text(Size s) { return std::to_string(s.width) + "x" + std::to_string(s.height); }

TEST(CorpusTest, EveryFileHasItsPinnedOutcomeAndSizes) {
    auto processor = VipsImageProcessor::create({});
    ASSERT_TRUE(processor.is_ok());
    const ResizeSpec spec =
        testing::spec_of({"400x400", "200x200:inside:webp", "100x100:contain:png"});
    const std::map<std::string, Expectation> expected = read_expectations();
    const std::string root = testdata_root() + "/";
    const std::vector<std::string> files = testing::corpus_files();
    ASSERT_FALSE(files.empty());

    std::set<std::string> seen;
    double slowest = 0;
    std::string slowest_file;
    for (const auto& file : files) {
        const std::string rel = file.substr(root.size());
        seen.insert(rel);
        const auto row = expected.find(rel);
        if (row == expected.end()) {
            ADD_FAILURE() << rel << ": no row in corpus_expectations.tsv (run "
                          << "tests/tools/corpus_expectations.py and review the new row)";
            continue;
        }
        const Expectation& want = row->second;
        const auto start = std::chrono::steady_clock::now();
        auto out =
            (*processor)
                ->process_file(file, spec, Limits{}, testing::seconds_from_now(kDeadlineSeconds));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (seconds > slowest) {
            slowest = seconds;
            slowest_file = rel;
        }
        if (!out.is_ok()) {
            const Status& s = out.status();
            EXPECT_EQ(s.reason(), want.outcome)
                << rel << ": " << s.to_string() << " (expected because: " << want.basis << ")";
            const bool code_matches =
                s.reason() == kImageTooLarge      ? s.code() == StatusCode::kResourceExhausted
                : s.reason() == kDeadlineExceeded ? s.code() == StatusCode::kDeadlineExceeded
                                                  : s.code() == StatusCode::kInvalidArgument;
            EXPECT_TRUE(code_matches) << rel << ": " << s.to_string();
            continue;
        }
        if (want.outcome != "ok") {
            ADD_FAILURE() << rel << ": decoded (" << text(out->source.upright()) << "), expected "
                          << want.outcome << " because: " << want.basis;
            continue;
        }
        EXPECT_EQ(text(out->source.upright()), want.upright) << rel << " upright size";
        ASSERT_EQ(out->variants.size(), spec.variants.size()) << rel;
        for (size_t i = 0; i < spec.variants.size(); ++i) {
            const Variant& v = out->variants[i];
            const vips::VImage img = decode(v.bytes);
            EXPECT_EQ(text({img.width(), img.height()}), want.variants[i])
                << rel << " variant " << v.name << " (decoded)";
            EXPECT_EQ(text({v.width, v.height}), want.variants[i])
                << rel << " variant " << v.name << " (reported)";
            EXPECT_EQ(img.format(), VIPS_FORMAT_UCHAR) << rel << " variant " << v.name;
        }
    }
    for (const auto& [rel, want] : expected) {
        EXPECT_TRUE(seen.count(rel)) << rel << ": in corpus_expectations.tsv but not in " << root
                                     << " (a corpus file is missing)";
    }
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("corpus: %zu files; slowest %.2f s (%s); peak RSS %ld MiB\n", files.size(), slowest,
                slowest_file.c_str(), usage.ru_maxrss / 1024);
    // Bounded memory: the largest legitimate input is ~12 MP, decoded once at a shrink.
    EXPECT_LT(usage.ru_maxrss / 1024, 2048);
}

}  // namespace
}  // namespace imgpipe::imaging
