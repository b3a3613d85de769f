#pragma once
// The body of the fuzz_multipart target, shared with the corpus replay test in
// src/http/multipart_parser_test.cpp. Input: one control byte (read sizes), a Content-Type line
// ending in '\n', then the body. Aborts on a broken invariant (bytes appearing from nowhere,
// the field budget exceeded, an unexpected error reason); every other outcome is a Status.

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace imgpipe::http::fuzzing {

struct MultipartOutcome {
    Status status;
    size_t fields = 0;
    bool has_file = false;
    uint64_t file_bytes = 0;
};

MultipartOutcome run_multipart_input(const uint8_t* data, size_t size);

}  // namespace imgpipe::http::fuzzing
