#pragma once
// A fuzz target's seed corpus (fuzz/corpus/<target>, plus any crash input saved there), read for
// the gtests that replay it through the target's driver. Header-only; tests only: call it inside
// a test body, since a corpus that cannot be read fails the current test (naming the path)
// rather than throwing.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace imgpipe {

struct FuzzCorpusFile {
    std::string name;   // the file name, e.g. "truncated-file"
    std::string bytes;  // its contents
};

// Every regular file of the corpus, sorted by name; what could be read if a read fails.
// REQUIRES: IMGPIPE_SOURCE_DIR defined.
inline std::vector<FuzzCorpusFile> read_fuzz_corpus(const std::string& target) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(IMGPIPE_SOURCE_DIR) / "fuzz" / "corpus" / target;
    std::vector<FuzzCorpusFile> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        if (!in) {
            ADD_FAILURE() << "cannot read " << it->path().string();
            continue;
        }
        std::ostringstream bytes;
        bytes << in.rdbuf();
        out.push_back({it->path().filename().string(), bytes.str()});
    }
    if (ec) ADD_FAILURE() << "cannot list " << dir.string() << ": " << ec.message();
    std::sort(out.begin(), out.end(),
              [](const FuzzCorpusFile& a, const FuzzCorpusFile& b) { return a.name < b.name; });
    return out;
}

}  // namespace imgpipe
