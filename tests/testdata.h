#pragma once
// Where the C++ tests find the test corpus (shared/testdata: real photos, PngSuite, EXIF
// orientation sets, corrupt and hostile files, decompression bombs, the AWS SigV4 test vectors),
// and how they list it without throwing. The corpus is not part of the repository, so its
// location is one run-time setting, the environment variable IMGPIPE_TESTDATA; unset or empty,
// the default IMGPIPE_TESTDATA_DEFAULT (<source dir>/../shared/testdata, defined by
// imgpipe_add_test) applies. Nothing reads the corpus at build time: ctest lists the tests just
// before running them (DISCOVERY_MODE PRE_TEST).
//
// A missing corpus must fail the tests that need it with the path in the message, never end the
// process: a listing returns its error instead of throwing, because it may run while gtest
// registers parameterised tests, where an exception would abort the binary. Header-only;
// tests only. Thread-safe (reads the environment, which tests do not change).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace imgpipe {

inline constexpr const char* kTestdataVariable = "IMGPIPE_TESTDATA";

// The corpus root: $IMGPIPE_TESTDATA, else the compile-time default.
inline std::string testdata_root() {
    const char* env = std::getenv(kTestdataVariable);
    return env != nullptr && *env != '\0' ? std::string(env)
                                          : std::string(IMGPIPE_TESTDATA_DEFAULT);
}

// Appended to messages about a missing corpus file, so the reader knows which knob to turn.
inline std::string testdata_hint() {
    return std::string(" (test corpus: set ") + kTestdataVariable +
           " to a copy of shared/testdata)";
}

// The bytes of corpus file `relative` (a path under the root); a test failure naming the path,
// and "", when it cannot be read.
inline std::string read_testdata(const std::string& relative) {
    const std::string path = testdata_root() + "/" + relative;
    std::ifstream in(path, std::ios::binary);
    if (!in) ADD_FAILURE() << "cannot read " << path << testdata_hint();
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Every entry of a directory, or why the listing stopped.
struct DirListing {
    std::vector<std::filesystem::directory_entry> entries;
    std::string error;  // empty when the directory was read to the end; else names the path
};

// Lists `dir` (with every subdirectory when `recursive`), in the order the file system gives.
inline DirListing list_dir(const std::filesystem::path& dir, bool recursive) {
    DirListing out;
    std::error_code ec;
    auto collect = [&](auto it) {
        for (const decltype(it) end; !ec && it != end; it.increment(ec)) {
            out.entries.push_back(*it);
        }
    };
    if (recursive) {
        collect(std::filesystem::recursive_directory_iterator(dir, ec));
    } else {
        collect(std::filesystem::directory_iterator(dir, ec));
    }
    if (ec) out.error = "cannot list " + dir.string() + ": " + ec.message() + testdata_hint();
    return out;
}

}  // namespace imgpipe
