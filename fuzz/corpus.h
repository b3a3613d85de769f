#pragma once
// A fuzz target's seed corpus (fuzz/corpus/<target>, plus any crash input saved there), read for
// the gtests that replay it through the target's driver. Header-only; tests only.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace imgpipe {

struct FuzzCorpusFile {
    std::string name;   // the file name, e.g. "truncated-file"
    std::string bytes;  // its contents
};

// Every regular file of the corpus, sorted by name. REQUIRES: IMGPIPE_SOURCE_DIR defined.
inline std::vector<FuzzCorpusFile> read_fuzz_corpus(const std::string& target) {
    namespace fs = std::filesystem;
    std::vector<FuzzCorpusFile> out;
    for (const auto& entry :
         fs::directory_iterator(fs::path(IMGPIPE_SOURCE_DIR) / "fuzz" / "corpus" / target)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        out.push_back({entry.path().filename().string(), bytes.str()});
    }
    std::sort(out.begin(), out.end(),
              [](const FuzzCorpusFile& a, const FuzzCorpusFile& b) { return a.name < b.name; });
    return out;
}

}  // namespace imgpipe
