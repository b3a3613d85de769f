#pragma once
// TempDir: a fresh directory under the system temp dir for one test, removed with everything in
// it when the test ends. Header-only; tests only.

#include <gtest/gtest.h>

#include <cstdlib>  // ::mkdtemp, POSIX: glibc's <cstdlib> declares it through <stdlib.h>
#include <filesystem>
#include <string>
#include <system_error>

namespace imgpipe {

class TempDir {
  public:
    TempDir() {
        std::string pattern = std::filesystem::temp_directory_path() / "imgpipe-test-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern;
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace imgpipe
