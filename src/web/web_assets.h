#pragma once
// The web page's static files (src/web/static), compiled into the binary by embed_files.cmake:
// the page needs no files at run time and works offline. Immutable; thread-safe.

#include <span>
#include <string_view>

namespace imgpipe::web {

struct Asset {
    std::string_view path;  // "/index.html": the file's name under static/ with a leading '/'
    std::string_view body;
};

// Every embedded file, in the order CMakeLists.txt lists them.
std::span<const Asset> assets();

}  // namespace imgpipe::web
