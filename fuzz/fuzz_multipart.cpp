// libFuzzer target: the streaming multipart/form-data parser (http). Corpus: corpus/multipart/
// (control byte, Content-Type line, body; see multipart_driver.h).

#include <cstddef>
#include <cstdint>

#include "multipart_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)imgpipe::http::fuzzing::run_multipart_input(data, size);
    return 0;
}
