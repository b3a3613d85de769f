// libFuzzer target: POST policy parsing, checking and signature verification (sigv4). Corpus:
// corpus/post_policy/ (first byte selects the mode, see post_policy_driver.h).

#include <cstddef>
#include <cstdint>

#include "post_policy_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)imgpipe::sigv4::fuzzing::run_post_policy_input(data, size);
    return 0;
}
